// Activation loader: fills the activation bank of each pass with its rows of X and tells the
// sequencer when the bank is complete.
//
// Per pass: wait until its bank is empty (the sequencer released it after the pass two back),
// then request each row r (act_beats beats at x_addr + r x_stride: stride additions) from the
// read DMA (client 1), tagging the request with {bank, row}. Returning beats are written straight
// into trit_actbuf (no buffering, so these bursts never hold up R); when all rows of the bank
// have arrived the bank is ready. Bank states: EMPTY -> LOADING -> READY -> (released) EMPTY.
module trit_actload #(
  parameter int NumRows   = 2,
  parameter int BusBytes  = 8,
  parameter int KMax      = 512,
  parameter int AddrW     = 32,
  parameter int IdxW      = 16,
  parameter int ActBeatsW = 8,
  parameter int ReqBeatsW = 16,
  parameter int UserW     = 4,
  localparam int RowsW   = $clog2(NumRows + 1),
  localparam int RowSelW = (NumRows > 1) ? $clog2(NumRows) : 1,
  localparam int BeatsPerBank = trit_pkg::div(KMax, BusBytes),
  localparam int BeatW   = (BeatsPerBank > 1) ? $clog2(BeatsPerBank) : 1,
  localparam int DataW   = BusBytes << 3
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // pass commands
  input  logic                 cmd_valid_i,
  output logic                 cmd_ready_o,
  input  logic                 cmd_bank_i,
  input  logic [RowsW-1:0]     cmd_rows_i,
  input  logic [ActBeatsW-1:0] cmd_act_beats_i,
  input  logic [AddrW-1:0]     cmd_x_addr_i,
  input  logic [31:0]          cmd_x_stride_i,
  input  logic [IdxW-1:0]      cmd_idx_i,
  // read DMA, client 1
  output logic                 req_valid_o,
  input  logic                 req_ready_i,
  output logic [AddrW-1:0]     req_addr_o,
  output logic [ReqBeatsW-1:0] req_beats_o,
  output logic [UserW-1:0]     req_user_o,   // {bank, row}
  output logic [IdxW-1:0]      req_idx_o,
  input  logic                 rsp_valid_i,
  input  logic [DataW-1:0]     rsp_data_i,
  input  logic                 rsp_last_i,
  input  logic [UserW-1:0]     rsp_user_i,
  // activation buffer write port
  output logic                 wr_en_o,
  output logic                 wr_bank_o,
  output logic [RowSelW-1:0]   wr_row_o,
  output logic [BeatW-1:0]     wr_beat_o,
  output logic [DataW-1:0]     wr_data_o,
  // banks
  output logic [1:0]           bank_ready_o,
  input  logic [1:0]           bank_release_i
);
  localparam int CmdW = 1 + RowsW + ActBeatsW + AddrW + 32 + IdxW;
  // Bank states (localparams: Yosys 0.23 has no casts to user types).
  localparam logic [1:0] BankEmpty = 2'd0, BankLoading = 2'd1, BankReady = 2'd2;

  logic                 c_valid, c_pop;
  logic [CmdW-1:0]      c_data;
  logic                 c_bank;
  logic [RowsW-1:0]     c_rows;
  logic [ActBeatsW-1:0] c_act_beats;
  logic [AddrW-1:0]     c_x_addr;
  logic [31:0]          c_x_stride;
  logic [IdxW-1:0]      c_idx;
  logic [1:0]           unused_count;

  trit_fifo #(.Width(CmdW), .Depth(2)) u_cmds (
    .clk_i, .rst_ni,
    .in_valid_i  (cmd_valid_i),
    .in_ready_o  (cmd_ready_o),
    .in_data_i   ({cmd_bank_i, cmd_rows_i, cmd_act_beats_i, cmd_x_addr_i, cmd_x_stride_i, cmd_idx_i}),
    .out_valid_o (c_valid),
    .out_ready_i (c_pop),
    .out_data_o  (c_data),
    .count_o     (unused_count)
  );
  assign {c_bank, c_rows, c_act_beats, c_x_addr, c_x_stride, c_idx} = c_data;

  // Per-bank state, bank b at [b*W +: W] (packed: Yosys keeps unpacked arrays as memories).
  logic [3:0]               state_q, state_d;
  logic [(RowsW << 1)-1:0]  expect_q, expect_d, done_q, done_d;
  logic             started_q, started_d;
  logic [RowSelW-1:0] r_q, r_d;
  logic [AddrW-1:0] x_row_q, x_row_d;
  logic [BeatW-1:0] beat_q, beat_d;
  logic             start, hs, rsp_bank;
  logic [RowSelW-1:0] rsp_row;

  assign rsp_bank = rsp_user_i[RowSelW];
  assign rsp_row  = rsp_user_i[RowSelW-1:0];

  function automatic logic [1:0] st(input logic [3:0] v, input logic b);
    st = b ? v[3:2] : v[1:0];
  endfunction
  function automatic logic [RowsW-1:0] rows_of(input logic [(RowsW << 1)-1:0] v, input logic b);
    rows_of = b ? v[(RowsW << 1)-1:RowsW] : v[RowsW-1:0];
  endfunction

  logic [RowsW-1:0] done_rsp;
  always_comb begin
    start = c_valid && !started_q && (st(state_q, c_bank) == BankEmpty);
    hs    = req_valid_o && req_ready_i;
    c_pop = hs && ({1'b0, r_q} + 1'b1 == (RowSelW + 1)'(c_rows));
    done_rsp = rows_of(done_q, rsp_bank) + 1'b1;

    started_d = started_q;
    r_d       = r_q;
    x_row_d   = x_row_q;
    beat_d    = beat_q;
    state_d   = state_q;
    expect_d  = expect_q;
    done_d    = done_q;
    for (int b = 0; b < 2; b++) begin
      if (bank_release_i[b] && st(state_q, b[0]) == BankReady) state_d[(b << 1) +: 2] = BankEmpty;
    end

    if (start) begin
      started_d = 1'b1;
      r_d       = '0;
      x_row_d   = c_x_addr;
      state_d[{c_bank, 1'b0} +: 2] = BankLoading;
      if (c_bank) begin
        expect_d[(RowsW << 1)-1:RowsW] = c_rows;
        done_d[(RowsW << 1)-1:RowsW]   = '0;
      end else begin
        expect_d[RowsW-1:0] = c_rows;
        done_d[RowsW-1:0]   = '0;
      end
    end
    if (hs) begin
      r_d     = r_q + 1'b1;
      x_row_d = x_row_q + AddrW'(c_x_stride);
      if (c_pop) started_d = 1'b0;
    end

    if (rsp_valid_i) begin
      beat_d = rsp_last_i ? '0 : beat_q + 1'b1;
      if (rsp_last_i) begin
        if (rsp_bank) done_d[(RowsW << 1)-1:RowsW] = done_rsp;
        else          done_d[RowsW-1:0]            = done_rsp;
        if (done_rsp == rows_of(expect_q, rsp_bank)) state_d[{rsp_bank, 1'b0} +: 2] = BankReady;
      end
    end
  end

  assign req_valid_o = started_q && c_valid;
  assign req_addr_o  = x_row_q;
  assign req_beats_o = ReqBeatsW'(c_act_beats);
  assign req_user_o  = UserW'({c_bank, r_q});
  assign req_idx_o   = c_idx;

  assign wr_en_o   = rsp_valid_i;
  assign wr_bank_o = rsp_bank;
  assign wr_row_o  = rsp_row;
  assign wr_beat_o = beat_q;
  assign wr_data_o = rsp_data_i;

  assign bank_ready_o = {st(state_q, 1'b1) == BankReady, st(state_q, 1'b0) == BankReady};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      started_q <= 1'b0;
      r_q       <= '0;
      beat_q    <= '0;
      state_q   <= {BankEmpty, BankEmpty};
      expect_q  <= '0;
      done_q    <= '0;
    end else begin
      started_q <= started_d;
      r_q       <= r_d;
      beat_q    <= beat_d;
      state_q   <= state_d;
      expect_q  <= expect_d;
      done_q    <= done_d;
    end
  end
  always_ff @(posedge clk_i) begin
    x_row_q <= x_row_d;
  end

  logic unused;
  assign unused = ^rsp_user_i;
  if (AddrW < 32) begin : g_wrap
    logic unused_stride;
    assign unused_stride = ^c_x_stride[31:AddrW];   // addresses wrap at 2^AddrW
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && rsp_valid_i) begin
      assert (st(state_q, rsp_bank) == BankLoading) else $error("trit_actload: data for a bank not loading");
    end
    for (int b = 0; b < 2; b++) begin
      if (rst_ni && bank_release_i[b]) assert (st(state_q, b[0]) == BankReady) else $error("trit_actload: release of a bank not ready");
    end
  end
`endif
endmodule
