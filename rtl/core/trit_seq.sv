// Compute sequencer: walks each pass (one descriptor's M-chunk of up to R rows) tile by tile and
// chunk by chunk, and issues one weight chunk per cycle into the array together with the
// matching activations of every active row.
//
//   for each pass (command FIFO):            wait for its activation bank
//     for n0 = 0; n0 < N; n0 += C            (tile loop, no division)
//       for j = 0 .. n_chunks-1              pop a decoded chunk; read activations j; issue
//         the tile's last chunk also needs the drain to have taken the previous tile's shadows
//
// Issue timing: in cycle t the sequencer pops the chunk and addresses the activation buffer (the
// pass's rows only); the buffer answers in t+2 (trit_actbuf), so the chunk and its control travel
// through a matching two-stage delay; in t+2 everything enters trit_array together (unskewed).
// IssueToArray = 2.
// The drain learns of a finished tile when its last chunk issues (tile_valid_o) and waits until
// the array has published the shadows (trit_drain, ShadowWait).
//
// Counters (one cycle late, registered): CNT_ISSUE, the stall causes (activation bank not
// loaded > weight chunk not arrived > drain still busy with the previous tile's shadows), and
// lane operations / zero skips = nonzero / zero trits of the chunk x active rows, formed by
// shift-and-add over the bits of the row count (no multiplier).
//
// Paths cut: the command FIFO (dispatcher -> sequencer), the two delay stages (sequencer ->
// array), the counter registers.
module trit_seq #(
  parameter int NumRows  = 2,
  parameter int NumCols  = 4,
  parameter int NumLanes = 4,
  parameter int BusBytes = 8,
  parameter int KMax     = 512,
  parameter int AddrW    = 32,
  parameter int IdxW     = 16,
  localparam int Trits    = trit_pkg::mul(NumCols, NumLanes),
  localparam int CodeW    = Trits << 1,
  localparam int RowsW    = $clog2(NumRows + 1),
  localparam int ColsW    = $clog2(NumCols + 1),
  localparam int ChunksW  = trit_pkg::chunks_w(KMax, NumLanes),
  localparam int BeatsPerBank = trit_pkg::div(KMax, BusBytes),
  localparam int BeatW    = (BeatsPerBank > 1) ? $clog2(BeatsPerBank) : 1,
  localparam int SlicesPerBeat = trit_pkg::div(BusBytes, NumLanes),
  localparam int SliceW   = (SlicesPerBeat > 1) ? $clog2(SlicesPerBeat) : 1,
  localparam int OpsW     = $clog2(trit_pkg::mul(Trits, NumRows) + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // pass commands
  input  logic                 cmd_valid_i,
  output logic                 cmd_ready_o,
  input  logic                 cmd_bank_i,
  input  logic [RowsW-1:0]     cmd_rows_i,       // 1..R
  input  logic [31:0]          cmd_n_i,          // N >= 1
  input  logic [ChunksW-1:0]   cmd_chunks_i,     // ceil(K / V) >= 1
  input  logic [AddrW-1:0]     cmd_y_addr_i,     // address of the pass's first output row
  input  logic [31:0]          cmd_y_stride_i,
  input  logic [IdxW-1:0]      cmd_idx_i,
  input  logic                 cmd_last_pass_i,
  // decoded weight chunks
  input  logic                 chunk_valid_i,
  output logic                 chunk_ready_o,
  input  logic [CodeW-1:0]     chunk_code_i,
  // activation banks
  input  logic [1:0]           bank_ready_i,
  output logic [1:0]           bank_release_o,
  // activation buffer read port (a read enable per row: only the pass's active rows are read)
  output logic [NumRows-1:0]   act_rd_en_o,
  output logic                 act_rd_bank_o,
  output logic [BeatW-1:0]     act_rd_beat_o,
  output logic [SliceW-1:0]    act_rd_slice_o,
  // array inputs (the activations come from trit_actbuf in the same cycle)
  output logic                 arr_w_valid_o,
  output logic [CodeW-1:0]     arr_w_code_o,
  output logic [NumRows-1:0]   arr_a_valid_o,
  output logic                 arr_a_first_o,
  output logic                 arr_a_last_o,
  // finished tiles, to the drain: pushed only when tile_ready_i (no holding)
  output logic                 tile_valid_o,
  input  logic                 tile_ready_i,
  output logic [31:0]          tile_n0_o,
  output logic [ColsW-1:0]     tile_cols_o,      // valid columns: min(C, N - n0)
  output logic [RowsW-1:0]     tile_rows_o,
  output logic [AddrW-1:0]     tile_y_addr_o,
  output logic [31:0]          tile_y_stride_o,
  output logic [IdxW-1:0]      tile_idx_o,
  output logic                 tile_desc_last_o,  // the descriptor's final tile
  // counter increments
  output logic                 cnt_issue_o,
  output logic                 cnt_stall_weight_o,
  output logic                 cnt_stall_act_o,
  output logic                 cnt_stall_drain_o,
  output logic [OpsW-1:0]      cnt_lane_ops_o,
  output logic [OpsW-1:0]      cnt_zero_skips_o
);
  localparam int CmdW = 1 + RowsW + 32 + ChunksW + AddrW + 32 + IdxW + 1;
  localparam int SliceBits = $clog2(SlicesPerBeat);
  localparam logic [CodeW-1:0] NzBits = {Trits{2'b01}};

  // ---- pass command FIFO -------------------------------------------------------------------------
  logic               p_valid, p_pop;
  logic [CmdW-1:0]    p_data;
  logic               p_bank, p_last_pass;
  logic [RowsW-1:0]   p_rows;
  logic [31:0]        p_n, p_y_stride;
  logic [ChunksW-1:0] p_chunks;
  logic [AddrW-1:0]   p_y_addr;
  logic [IdxW-1:0]    p_idx;
  logic [1:0]         unused_cmd_count;

  trit_fifo #(.Width(CmdW), .Depth(2)) u_cmds (
    .clk_i, .rst_ni,
    .in_valid_i  (cmd_valid_i),
    .in_ready_o  (cmd_ready_o),
    .in_data_i   ({cmd_bank_i, cmd_rows_i, cmd_n_i, cmd_chunks_i, cmd_y_addr_i, cmd_y_stride_i,
                   cmd_idx_i, cmd_last_pass_i}),
    .out_valid_o (p_valid),
    .out_ready_i (p_pop),
    .out_data_o  (p_data),
    .count_o     (unused_cmd_count)
  );
  assign {p_bank, p_rows, p_n, p_chunks, p_y_addr, p_y_stride, p_idx, p_last_pass} = p_data;

  // ---- chunk / tile loop -------------------------------------------------------------------------
  logic [ChunksW-1:0] j_q, j_d;
  logic [32:0]        n0_q, n0_d, n0_next;
  logic               chunk_last, tile_last, bank_ok, issue;
  logic [1:0]         release_d, release_q;
  logic [NumRows-1:0] row_mask;
  logic [32:0]        cols_left;

  always_comb begin
    bank_ok    = p_bank ? bank_ready_i[1] : bank_ready_i[0];
    chunk_last = (j_q == p_chunks - 1'b1);
    n0_next    = n0_q + 33'(NumCols);
    tile_last  = (n0_next >= {1'b0, p_n});
    issue      = p_valid && bank_ok && chunk_valid_i && (!chunk_last || tile_ready_i);
    p_pop      = issue && chunk_last && tile_last;

    j_d  = j_q;
    n0_d = n0_q;
    release_d = 2'b00;
    if (issue) begin
      j_d = chunk_last ? '0 : j_q + 1'b1;
      if (chunk_last) n0_d = tile_last ? '0 : n0_next;
      if (p_pop) release_d[p_bank] = 1'b1;
    end

    for (int r = 0; r < NumRows; r++) row_mask[r] = (RowsW'(r) < p_rows);
    cols_left = {1'b0, p_n} - n0_q;
  end

  assign chunk_ready_o  = issue;
  assign bank_release_o = release_q;

  // Activation address of chunk j: beat j / (B/V), slice j % (B/V). Rows at or past the pass's
  // row count are not read: their memories stay idle (the array ignores their data, whose valid
  // bit is low).
  assign act_rd_en_o    = issue ? row_mask : '0;
  assign act_rd_bank_o  = p_bank;
  assign act_rd_beat_o  = BeatW'(j_q >> SliceBits);
  if (SlicesPerBeat > 1) begin : g_slice
    assign act_rd_slice_o = j_q[SliceW-1:0];
  end else begin : g_noslice
    assign act_rd_slice_o = '0;
  end

  // Finished tile, to the drain.
  assign tile_valid_o     = issue && chunk_last;
  assign tile_n0_o        = n0_q[31:0];
  assign tile_cols_o      = (cols_left >= 33'(NumCols)) ? ColsW'(NumCols) : ColsW'(cols_left);
  assign tile_rows_o      = p_rows;
  assign tile_y_addr_o    = p_y_addr;
  assign tile_y_stride_o  = p_y_stride;
  assign tile_idx_o       = p_idx;
  assign tile_desc_last_o = p_last_pass && tile_last;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      j_q       <= '0;
      n0_q      <= '0;
      release_q <= '0;
    end else begin
      j_q       <= j_d;
      n0_q      <= n0_d;
      release_q <= release_d;
    end
  end

  // ---- two-stage delay to meet the activation buffer's read data ---------------------------------
  logic                          d_valid;
  logic [CodeW+NumRows+1:0]      d_data;
  trit_delay #(.Width(CodeW + NumRows + 2), .Stages(2)) u_delay (
    .clk_i, .rst_ni,
    .valid_i (issue),
    .data_i  ({chunk_code_i, row_mask, j_q == '0, chunk_last}),
    .valid_o (d_valid),
    .data_o  (d_data)
  );
  assign arr_w_valid_o = d_valid;
  assign arr_w_code_o  = d_data[NumRows + 2 +: CodeW];
  assign arr_a_valid_o = d_valid ? d_data[2 +: NumRows] : '0;
  assign arr_a_first_o = d_data[1];
  assign arr_a_last_o  = d_data[0];

  // ---- counters ----------------------------------------------------------------------------------
  // Stage 1: issue/stall flags and the chunk's nonzero count; stage 2: times the active rows.
  localparam int NzW = $clog2(Trits + 1);
  logic             c1_issue_q, c1_sw_q, c1_sa_q, c1_sd_q;
  logic [NzW-1:0]   c1_nz_q;
  logic [RowsW-1:0] c1_rows_q;
  logic [OpsW-1:0]  ops_d, ops_q, skips_d, skips_q;
  logic [NzW-1:0]   c1_zero;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c1_issue_q <= 1'b0;
      c1_sw_q    <= 1'b0;
      c1_sa_q    <= 1'b0;
      c1_sd_q    <= 1'b0;
      ops_q      <= '0;
      skips_q    <= '0;
    end else begin
      c1_issue_q <= issue;
      c1_sa_q    <= p_valid && !bank_ok;
      c1_sw_q    <= p_valid && bank_ok && !chunk_valid_i;
      c1_sd_q    <= p_valid && bank_ok && chunk_valid_i && chunk_last && !tile_ready_i;
      ops_q      <= ops_d;
      skips_q    <= skips_d;
    end
  end
  always_ff @(posedge clk_i) begin
    if (issue) begin
      c1_nz_q   <= NzW'($countones(chunk_code_i & NzBits));
      c1_rows_q <= p_rows;
    end
  end

  // x rows by shift-and-add over the bits of the row count.
  assign c1_zero = NzW'(Trits) - c1_nz_q;
  always_comb begin
    ops_d   = '0;
    skips_d = '0;
    if (c1_issue_q) begin
      for (int b = 0; b < RowsW; b++) begin
        if (c1_rows_q[b]) begin
          ops_d   = ops_d + (OpsW'(c1_nz_q) << b);
          skips_d = skips_d + (OpsW'(c1_zero) << b);
        end
      end
    end
  end

  assign cnt_issue_o        = c1_issue_q;
  assign cnt_stall_weight_o = c1_sw_q;
  assign cnt_stall_act_o    = c1_sa_q;
  assign cnt_stall_drain_o  = c1_sd_q;
  assign cnt_lane_ops_o     = ops_q;
  assign cnt_zero_skips_o   = skips_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && p_valid) begin
      assert (p_rows != '0) else $error("trit_seq: pass with no rows");
      assert (p_chunks != '0 && p_n != '0) else $error("trit_seq: empty pass");
    end
  end
`endif
endmodule
