// Dispatcher: turns each queued descriptor into its passes (M in chunks of R rows) and hands
// every pass, in order, to the three units that work on it: the activation loader, the weight
// requester and the compute sequencer (VTA-style decoupling: each unit runs ahead as far as its
// command FIFO and its resources allow). A pass goes to all three in the same cycle, only when
// all three have room, so their command sequences are identical.
//
//   pass p: m0 = pR, rows = min(R, M - m0), X row address x + m0 x_stride, Y row y + m0 y_stride
//           (addresses advance by R x stride per pass: shift-and-add over the bits of R)
//   bank  : alternates over all passes (double-buffered activations)
//
// Every descriptor also enters the completion queue (trit_ctrl) when its first pass is
// dispatched; a descriptor that failed its checks (or a bad ring) enters it as an error entry
// and stops the dispatcher, so nothing after it runs.
module trit_dispatch #(
  parameter int NumRows    = 2,
  parameter int AddrW      = 32,
  parameter int IdxW       = 16,
  parameter int ChunksW    = 8,
  parameter int TileBeatsW = 8,
  parameter int PadW       = 3,
  parameter int ActBeatsW  = 8,
  localparam int RowsW = $clog2(NumRows + 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // decoded descriptors
  input  logic                  dq_valid_i,
  output logic                  dq_ready_o,
  input  logic [3:0]            dq_err_i,
  input  logic [IdxW-1:0]       dq_idx_i,
  input  logic                  dq_fmt_i,
  input  logic                  dq_irq_i,
  input  logic [31:0]           dq_m_i,
  input  logic [31:0]           dq_n_i,
  input  logic [31:0]           dq_tag_i,
  input  logic [AddrW-1:0]      dq_x_addr_i,
  input  logic [AddrW-1:0]      dq_w_addr_i,
  input  logic [AddrW-1:0]      dq_y_addr_i,
  input  logic [31:0]           dq_x_stride_i,
  input  logic [31:0]           dq_y_stride_i,
  input  logic [ChunksW-1:0]    dq_n_chunks_i,
  input  logic [TileBeatsW-1:0] dq_tile_beats_i,
  input  logic [PadW-1:0]       dq_pad_i,
  input  logic [ActBeatsW-1:0]  dq_act_beats_i,
  // completion queue
  output logic                  comp_valid_o,
  input  logic                  comp_ready_i,
  output logic [3:0]            comp_err_o,
  output logic [IdxW-1:0]       comp_idx_o,
  output logic [31:0]           comp_tag_o,
  output logic                  comp_irq_o,
  // passes (shared fields)
  output logic                  pass_bank_o,
  output logic [RowsW-1:0]      pass_rows_o,
  output logic [AddrW-1:0]      pass_x_addr_o,
  output logic [AddrW-1:0]      pass_y_addr_o,
  output logic                  pass_last_o,
  output logic [IdxW-1:0]       pass_idx_o,
  output logic [31:0]           pass_n_o,
  output logic [31:0]           pass_x_stride_o,
  output logic [31:0]           pass_y_stride_o,
  output logic                  pass_fmt_o,
  output logic [AddrW-1:0]      pass_w_addr_o,
  output logic [ChunksW-1:0]    pass_n_chunks_o,
  output logic [TileBeatsW-1:0] pass_tile_beats_o,
  output logic [PadW-1:0]       pass_pad_o,
  output logic [ActBeatsW-1:0]  pass_act_beats_o,
  // per-unit handshakes: valid to all three only when all three are ready
  output logic                  act_valid_o,
  input  logic                  act_ready_i,
  output logic                  wgt_valid_o,
  input  logic                  wgt_ready_i,
  output logic                  seq_valid_o,
  input  logic                  seq_ready_i
);
  logic             active_q, active_d, stopped_q, stopped_d, bank_q, bank_d;
  logic [32:0]      m0_q, m0_d, rem;
  logic [AddrW-1:0] x_q, x_d, y_q, y_d, x_step, y_step;
  logic             push, last;

  always_comb begin
    rem  = {1'b0, dq_m_i} - m0_q;
    last = (rem <= 33'(NumRows));
    push = active_q && act_ready_i && wgt_ready_i && seq_ready_i;

    // R x stride by shift-and-add.
    x_step = '0;
    y_step = '0;
    for (int b = 0; b < 16; b++) begin
      if (NumRows[b]) begin
        x_step = x_step + (AddrW'(dq_x_stride_i) << b);
        y_step = y_step + (AddrW'(dq_y_stride_i) << b);
      end
    end

    comp_valid_o = !active_q && !stopped_q && dq_valid_i;
    dq_ready_o   = 1'b0;
    active_d  = active_q;
    stopped_d = stopped_q;
    bank_d    = bank_q;
    m0_d      = m0_q;
    x_d       = x_q;
    y_d       = y_q;
    if (comp_valid_o && comp_ready_i) begin
      if (dq_err_i != '0) begin
        dq_ready_o = 1'b1;
        stopped_d  = 1'b1;
      end else begin
        active_d = 1'b1;
        m0_d     = '0;
        x_d      = dq_x_addr_i;
        y_d      = dq_y_addr_i;
      end
    end
    if (push) begin
      bank_d = !bank_q;
      m0_d   = m0_q + 33'(NumRows);
      x_d    = x_q + x_step;
      y_d    = y_q + y_step;
      if (last) begin
        active_d   = 1'b0;
        dq_ready_o = 1'b1;
      end
    end
  end

  assign comp_err_o = dq_err_i;
  assign comp_idx_o = dq_idx_i;
  assign comp_tag_o = dq_tag_i;
  assign comp_irq_o = dq_irq_i;

  assign act_valid_o = push;
  assign wgt_valid_o = push;
  assign seq_valid_o = push;

  assign pass_bank_o       = bank_q;
  assign pass_rows_o       = last ? RowsW'(rem) : RowsW'(NumRows);
  assign pass_x_addr_o     = x_q;
  assign pass_y_addr_o     = y_q;
  assign pass_last_o       = last;
  assign pass_idx_o        = dq_idx_i;
  assign pass_n_o          = dq_n_i;
  assign pass_x_stride_o   = dq_x_stride_i;
  assign pass_y_stride_o   = dq_y_stride_i;
  assign pass_fmt_o        = dq_fmt_i;
  assign pass_w_addr_o     = dq_w_addr_i;
  assign pass_n_chunks_o   = dq_n_chunks_i;
  assign pass_tile_beats_o = dq_tile_beats_i;
  assign pass_pad_o        = dq_pad_i;
  assign pass_act_beats_o  = dq_act_beats_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q  <= 1'b0;
      stopped_q <= 1'b0;
      bank_q    <= 1'b0;
      m0_q      <= '0;
    end else begin
      active_q  <= active_d;
      stopped_q <= stopped_d;
      bank_q    <= bank_d;
      m0_q      <= m0_d;
    end
  end
  always_ff @(posedge clk_i) begin
    x_q <= x_d;
    y_q <= y_d;
  end
endmodule
