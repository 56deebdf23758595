// Weight feed: the weight stream from the read DMA to decoded chunks for the sequencer.
//
//   DMA beats --> weight FIFO (WeightFifoBeats, block RAM) --> gearbox --> T2 / T5 decoder --+
//                 (credits: the DMA reads only what fits)    (beats -> chunk records)         |
//   sequencer <-- spill register (2 decoded chunks, C x V trit codes) <----------------------+
//
// Each beat carries its tile's format and, on the tile's last beat, the tile padding, so the
// gearbox drops the padding and tiles concatenate into whole chunks (docs/architecture.md,
// "Weight layout"). Full rate: one beat in and one chunk out per cycle whenever a chunk fits in
// a beat (T5 at the KV260-class configuration); T2 chunks of 80 bytes come 4 per 5 beats there.
//
// Paths cut: the weight FIFO registers both sides (trit_fifo_sram); the decoders sit between
// the gearbox's buffer register and the spill register, which registers valid, ready and data
// toward the sequencer.
module trit_wfeed #(
  parameter int NumCols         = 4,
  parameter int NumLanes        = 4,
  parameter int BusBytes        = 8,
  parameter int WeightFifoBeats = 64,
  localparam int Trits   = trit_pkg::mul(NumCols, NumLanes),
  localparam int CbT2    = trit_pkg::chunk_bytes_t2(Trits),
  localparam int CbT5    = trit_pkg::chunk_bytes_t5(Trits),
  localparam int DataW   = BusBytes << 3,
  localparam int PadW    = $clog2(BusBytes),
  localparam int NBytesW = $clog2(BusBytes + 1),
  localparam int CodeW   = Trits << 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // beats from the read DMA (no back-pressure: the DMA holds credits for the FIFO)
  input  logic             beat_valid_i,
  input  logic [DataW-1:0] beat_data_i,
  input  logic             beat_last_i,    // last beat of a tile
  input  logic             beat_fmt_i,     // 0 = T2, 1 = T5
  input  logic [PadW-1:0]  beat_pad_i,     // padding bytes at the end of the tile's last beat
  output logic             credit_o,       // one beat left the weight FIFO
  // decoded chunks: trit i (column i / V, lane i % V) at [2i+1:2i] = {subtract, nonzero}
  output logic             chunk_valid_o,
  input  logic             chunk_ready_i,
  output logic [CodeW-1:0] chunk_code_o
);
  localparam int EntryW = DataW + NBytesW + 1;

  logic               fifo_in_ready;
  logic [NBytesW-1:0] beat_nbytes;
  logic               q_valid, q_ready;
  logic [EntryW-1:0]  q_entry;
  logic               gb_valid, gb_ready, gb_sel;
  logic [(CbT2 << 3)-1:0] gb_data;
  logic [CodeW-1:0]   code_t2, code_t5;
  logic               cf_ready;
  logic [$clog2(WeightFifoBeats + 4)-1:0] unused_fifo_count;

  assign beat_nbytes = beat_last_i ? NBytesW'(BusBytes) - NBytesW'(beat_pad_i) : NBytesW'(BusBytes);

  trit_fifo_sram #(.Width(EntryW), .Depth(WeightFifoBeats)) u_fifo (
    .clk_i, .rst_ni,
    .in_valid_i  (beat_valid_i),
    .in_ready_o  (fifo_in_ready),
    .in_data_i   ({beat_fmt_i, beat_nbytes, beat_data_i}),
    .out_valid_o (q_valid),
    .out_ready_i (q_ready),
    .out_data_o  (q_entry),
    .count_o     (unused_fifo_count)
  );
  assign credit_o = q_valid && q_ready;

  trit_gearbox #(.InBytes(BusBytes), .OutBytes0(CbT2), .OutBytes1(CbT5)) u_gearbox (
    .clk_i, .rst_ni,
    .in_valid_i  (q_valid),
    .in_ready_o  (q_ready),
    .in_data_i   (q_entry[DataW-1:0]),
    .in_nbytes_i (q_entry[DataW +: NBytesW]),
    .in_sel_i    (q_entry[EntryW-1]),
    .out_valid_o (gb_valid),
    .out_ready_i (gb_ready),
    .out_data_o  (gb_data),
    .out_sel_o   (gb_sel)
  );

  trit_wdec_t2 #(.Trits(Trits)) u_dec_t2 (.bytes_i(gb_data), .code_o(code_t2));
  trit_wdec_t5 #(.Trits(Trits)) u_dec_t5 (.bytes_i(gb_data[(CbT5 << 3)-1:0]), .code_o(code_t5));

  assign gb_ready = cf_ready;

  // Two decoded chunks in a spill register: output data straight from a register (no read
  // mux on the C x V codes), valid and ready both registered.
  trit_spill #(.Width(CodeW)) u_chunks (
    .clk_i, .rst_ni,
    .in_valid_i  (gb_valid),
    .in_ready_o  (cf_ready),
    .in_data_i   (gb_sel ? code_t5 : code_t2),
    .out_valid_o (chunk_valid_o),
    .out_ready_i (chunk_ready_i),
    .out_data_o  (chunk_code_o)
  );

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && beat_valid_i) assert (fifo_in_ready) else $error("trit_wfeed: weight beat without credit");
  end
`endif
endmodule
