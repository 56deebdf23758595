// Drain: reads a finished tile's shadow registers row by row and packs each row's C int32
// results into bus beats with byte strobes for the write DMA.
//
// Output row m of a tile at n0 occupies bytes [4 n0, 4 n0 + 4 cols) of Y row m, i.e. starts at
// an arbitrary 4-byte offset o inside a beat:
//
//   beat k:   |<- o ->|<-------- 4 cols bytes of the row -------->|
//             |  .  .  | y0 y0 y0 y0 y1 ...      | ... y(c-1)      |  .  . |
//   strobes:     0  0     1  1  1  1  1            ...            1   0  0
//
// so each row is one write command of ceil((o + 4 cols) / B) beats (the write DMA splits at
// 4 KiB). The row is shifted by o once into the packing register P, then leaves one beat per
// cycle.
//
// Timing: the sequencer pushes the tile when it issues the tile's last chunk; the shadows are
// all valid ShadowWait cycles later (trit_seq, trit_array); the drain then reads one row per
// beat-run. It takes the next tile only after it has read the last row of this one, which is
// what keeps the sequencer from issuing the next tile's last chunk (the one that overwrites the
// shadows) too early.
//
// Pipeline: the tile register (cut: sequencer -> drain), P (cut: shadow mux + shifter -> write
// data). CNT_STALL_WRITE counts cycles with a beat or a row command ready that the write DMA
// did not take; CNT_DRAIN_READS counts C per shadow row read into P (whole rows: the columns past
// N of a ragged last tile are read too and then strobed off).
module trit_drain #(
  parameter int NumRows    = 2,
  parameter int NumCols    = 4,
  parameter int BusBytes   = 8,
  parameter int AddrW      = 32,
  parameter int IdxW       = 16,
  parameter int ShadowWait = 7,
  localparam int RowsW   = $clog2(NumRows + 1),
  localparam int ColsW   = $clog2(NumCols + 1),
  localparam int RowBits = NumCols << 5,
  localparam int PBytes  = (NumCols << 2) + BusBytes,
  localparam int MaxBeats = trit_pkg::div_ceil(PBytes - 1, BusBytes),
  localparam int BeatsW  = $clog2(MaxBeats + 1),
  localparam int DataW   = BusBytes << 3
) (
  input  logic                                                     clk_i,
  input  logic                                                     rst_ni,
  // finished tiles
  input  logic                                                     tile_valid_i,
  output logic                                                     tile_ready_o,
  input  logic [31:0]                                              tile_n0_i,
  input  logic [ColsW-1:0]                                         tile_cols_i,
  input  logic [RowsW-1:0]                                         tile_rows_i,
  input  logic [AddrW-1:0]                                         tile_y_addr_i,
  input  logic [31:0]                                              tile_y_stride_i,
  input  logic [IdxW-1:0]                                          tile_idx_i,
  input  logic                                                     tile_desc_last_i,
  // the array's shadow registers, PE(r, c) at [(rC+c)*32 +: 32]
  input  logic [trit_pkg::mul(trit_pkg::mul(NumRows, NumCols), 32)-1:0] shadow_i,
  // write commands and data
  output logic                                                     wcmd_valid_o,
  input  logic                                                     wcmd_ready_i,
  output logic [AddrW-1:0]                                         wcmd_addr_o,
  output logic [BeatsW-1:0]                                        wcmd_beats_o,
  output logic                                                     wcmd_last_o,
  output logic [IdxW-1:0]                                          wcmd_idx_o,
  output logic                                                     wdata_valid_o,
  input  logic                                                     wdata_ready_i,
  output logic [DataW-1:0]                                         wdata_o,
  output logic [BusBytes-1:0]                                      wstrb_o,
  // counters
  output logic                                                     cnt_stall_write_o,
  output logic                                                     cnt_row_read_o     // a shadow row (C registers) read
);
  localparam int SizeLog2 = $clog2(BusBytes);
  localparam int WaitW    = $clog2(ShadowWait + 1);
  localparam int RowSelW  = (NumRows > 1) ? $clog2(NumRows) : 1;
  localparam int PBits    = PBytes << 3;
  localparam int BeatLog2 = $clog2(DataW);
  localparam int SumW     = $clog2(PBytes + BusBytes) + 1;   // offset + bytes + B - 1

  // ---- the tile being drained ---------------------------------------------------------------------
  logic               t_valid_q, t_valid_d;
  logic [WaitW-1:0]   t_wait_q, t_wait_d;
  logic [31:0]        t_n0_q;
  logic [ColsW-1:0]   t_cols_q;
  logic [RowsW-1:0]   t_rows_q;
  logic [31:0]        t_y_stride_q;
  logic [IdxW-1:0]    t_idx_q;
  logic               t_desc_last_q;
  logic [RowSelW-1:0] r_q, r_d;
  logic [AddrW-1:0]   y_row_q, y_row_d;

  // ---- the packing register -------------------------------------------------------------------------
  logic               p_valid_q, p_valid_d;
  logic [PBits-1:0]   p_data_q, p_data_d;
  logic [PBytes-1:0]  p_strb_q, p_strb_d;
  logic [BeatsW-1:0]  p_beat_q, p_beat_d, p_beats_q, p_beats_d;

  logic               accept, row_ready, row_load, last_row, beat_hs, p_free;
  logic [RowBits-1:0] row_data;
  logic [AddrW-1:0]   byte_addr;
  logic [SizeLog2-1:0] offset;
  logic [ColsW+2:0]   nbytes;
  logic [BeatsW-1:0]  nbeats;

  assign tile_ready_o = !t_valid_q;
  assign accept = tile_valid_i && tile_ready_o;

  // Shadow row r: a mux over the rows (constant part-selects only).
  always_comb begin
    row_data = shadow_i[RowBits-1:0];
    for (int r = 1; r < NumRows; r++) begin
      if (r_q == RowSelW'(r)) row_data = shadow_i[trit_pkg::mul(r, RowBits) +: RowBits];
    end
  end

  always_comb begin
    byte_addr = y_row_q + AddrW'({t_n0_q, 2'b00});
    offset    = byte_addr[SizeLog2-1:0];
    nbytes    = (ColsW + 3)'({t_cols_q, 2'b00});
    nbeats    = BeatsW'((SumW'(offset) + SumW'(nbytes) + SumW'(BusBytes - 1)) >> SizeLog2);
    last_row  = ({1'b0, r_q} + 1'b1 == (RowSelW + 1)'(t_rows_q));
    beat_hs   = wdata_valid_o && wdata_ready_i;
    p_free    = !p_valid_q || (beat_hs && p_beat_q == p_beats_q - 1'b1);
    row_ready = t_valid_q && (t_wait_q == '0) && p_free;
    row_load  = row_ready && wcmd_ready_i;
  end

  assign wcmd_valid_o = row_ready;
  assign wcmd_addr_o  = {byte_addr[AddrW-1:SizeLog2], {SizeLog2{1'b0}}};
  assign wcmd_beats_o = nbeats;
  assign wcmd_last_o  = t_desc_last_q && last_row;
  assign wcmd_idx_o   = t_idx_q;

  always_comb begin
    t_valid_d = t_valid_q;
    t_wait_d  = (t_wait_q != '0) ? t_wait_q - 1'b1 : t_wait_q;
    r_d       = r_q;
    y_row_d   = y_row_q;
    p_valid_d = p_valid_q;
    p_data_d  = p_data_q;
    p_strb_d  = p_strb_q;
    p_beat_d  = p_beat_q;
    p_beats_d = p_beats_q;

    if (beat_hs) begin
      p_beat_d = p_beat_q + 1'b1;
      if (p_beat_q == p_beats_q - 1'b1) p_valid_d = 1'b0;
    end
    if (row_load) begin
      p_valid_d = 1'b1;
      p_beat_d  = '0;
      p_beats_d = nbeats;
      p_data_d  = PBits'(row_data) << {offset, 3'b000};
      p_strb_d  = ~({PBytes{1'b1}} << nbytes) << offset;
      r_d       = r_q + 1'b1;
      y_row_d   = y_row_q + AddrW'(t_y_stride_q);
      if (last_row) t_valid_d = 1'b0;
    end
    if (accept) begin
      t_valid_d = 1'b1;
      t_wait_d  = WaitW'(ShadowWait);
      r_d       = '0;
      y_row_d   = tile_y_addr_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      t_valid_q <= 1'b0;
      t_wait_q  <= '0;
      p_valid_q <= 1'b0;
      r_q       <= '0;
      p_beat_q  <= '0;
      p_beats_q <= '0;
    end else begin
      t_valid_q <= t_valid_d;
      t_wait_q  <= t_wait_d;
      p_valid_q <= p_valid_d;
      r_q       <= r_d;
      p_beat_q  <= p_beat_d;
      p_beats_q <= p_beats_d;
    end
  end
  always_ff @(posedge clk_i) begin
    y_row_q  <= y_row_d;
    p_data_q <= p_data_d;
    p_strb_q <= p_strb_d;
    if (accept) begin
      t_n0_q        <= tile_n0_i;
      t_cols_q      <= tile_cols_i;
      t_rows_q      <= tile_rows_i;
      t_y_stride_q  <= tile_y_stride_i;
      t_idx_q       <= tile_idx_i;
      t_desc_last_q <= tile_desc_last_i;
    end
  end

  // Beat k of P: bits [k*8B +: 8B], strobes [k*B +: B].
  assign wdata_valid_o = p_valid_q;
  assign wdata_o = DataW'(p_data_q >> {p_beat_q, {BeatLog2{1'b0}}});
  assign wstrb_o = BusBytes'(p_strb_q >> {p_beat_q, {SizeLog2{1'b0}}});

  assign cnt_stall_write_o = (p_valid_q && !wdata_ready_i) || (row_ready && !wcmd_ready_i);
  assign cnt_row_read_o    = row_load;

  if (AddrW < 32) begin : g_wrap
    logic unused_stride;
    assign unused_stride = ^t_y_stride_q[31:AddrW];   // addresses wrap at 2^AddrW
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && accept) begin
      assert (tile_rows_i != '0 && tile_cols_i != '0) else $error("trit_drain: empty tile");
    end
  end
`endif
endmodule
