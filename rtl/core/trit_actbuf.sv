// Activation buffer: two banks (passes p and p+1) of R rows x KMax int8, written one bus beat at a
// time by the activation loader, read V bytes per row per cycle by the compute sequencer.
//
//   row r memory:  [bank][beat]  (B bytes a word; 2 x KMax/B words)
//   read:  the enabled rows at the same (bank, beat) -> B bytes each -> the V-byte slice of the chunk
//
// Every row has its own simple dual-port memory with a registered read (block RAM shape); one
// read address serves all rows because the array skews rows itself. Each row has its own read
// enable, driven from the pass's row mask: rows at or past M are not read (in decode, M = 1, one
// memory of R works per chunk), and their output registers hold.
//
// Read pipeline (2 cycles, rd_* in cycle t -> rd_data_o valid in cycle t+2):
//   stage 1  memory read register (cuts: address/bank logic -> memory)
//   stage 2  V-byte slice mux register (cuts: memory output -> array input skew registers)
module trit_actbuf #(
  parameter int NumRows  = 2,
  parameter int NumLanes = 4,
  parameter int BusBytes = 8,
  parameter int KMax     = 512,
  localparam int BeatsPerBank = trit_pkg::div(KMax, BusBytes),
  localparam int BeatW  = (BeatsPerBank > 1) ? $clog2(BeatsPerBank) : 1,
  localparam int SlicesPerBeat = trit_pkg::div(BusBytes, NumLanes),
  localparam int SliceW = (SlicesPerBeat > 1) ? $clog2(SlicesPerBeat) : 1,
  localparam int RowW   = (NumRows > 1) ? $clog2(NumRows) : 1,
  localparam int DataW  = BusBytes << 3,
  localparam int LaneW  = NumLanes << 3
) (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  // write port (activation loader)
  input  logic                                    wr_en_i,
  input  logic                                    wr_bank_i,
  input  logic [RowW-1:0]                         wr_row_i,
  input  logic [BeatW-1:0]                        wr_beat_i,
  input  logic [DataW-1:0]                        wr_data_i,
  // read port (sequencer): chunk j is beat j / (B/V), slice j % (B/V); row r read iff rd_en_i[r]
  input  logic [NumRows-1:0]                      rd_en_i,
  input  logic                                    rd_bank_i,
  input  logic [BeatW-1:0]                        rd_beat_i,
  input  logic [SliceW-1:0]                       rd_slice_i,
  // row r's V bytes at [r*V*8 +: V*8], two cycles after the read
  output logic [trit_pkg::mul(NumRows, LaneW)-1:0] rd_data_o
);
  // {bank, beat} addresses the memory; when KMax/B is not a power of two the top of each bank's
  // address range is unused.
  localparam int Words = 2 << BeatW;
  localparam int LaneLog2 = $clog2(LaneW);

  logic [NumRows-1:0] rd_en_q;
  logic               rd_any;
  logic [SliceW-1:0]  rd_slice_q;

  assign rd_any = |rd_en_i;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rd_en_q <= '0;
    else         rd_en_q <= rd_en_i;
  end
  always_ff @(posedge clk_i) begin
    if (rd_any) rd_slice_q <= rd_slice_i;
  end

  for (genvar r = 0; r < NumRows; r++) begin : g_row
    logic [DataW-1:0] mem [Words];
    logic [DataW-1:0] rdata_q;
    logic [LaneW-1:0] slice_d, slice_q;
    logic             wr_here;

    assign wr_here = wr_en_i && (NumRows == 1 || wr_row_i == RowW'(r));

    // Memory: write port and registered read port, no reset (block RAM inference).
    always_ff @(posedge clk_i) begin
      if (wr_here) mem[{wr_bank_i, wr_beat_i}] <= wr_data_i;
      if (rd_en_i[r]) rdata_q <= mem[{rd_bank_i, rd_beat_i}];
    end

    // The chunk's V bytes: slice s of the beat starts at byte sV.
    if (SlicesPerBeat > 1) begin : g_mux
      assign slice_d = rdata_q[{rd_slice_q, {LaneLog2{1'b0}}} +: LaneW];
    end else begin : g_whole
      assign slice_d = rdata_q;
    end
    always_ff @(posedge clk_i) begin
      if (rd_en_q[r]) slice_q <= slice_d;
    end
    assign rd_data_o[trit_pkg::mul(r, LaneW) +: LaneW] = slice_q;
  end

  if (SlicesPerBeat == 1) begin : g_unused_slice
    logic unused;
    assign unused = ^rd_slice_q;
  end
endmodule
