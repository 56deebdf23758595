`include "trit_regs.svh"

// Trit: multiplier-free ternary systolic-array accelerator (docs/architecture.md, docs/rtl.md).
//
//  AXI4-Lite --> trit_regfile <--> trit_ctrl (completion, errors, soft reset, core reset)
//                                      ^
//  ring --> trit_fetch --> trit_dispatch --+--> trit_actload --> trit_actbuf --+
//             |  (prefetch, decode,        +--> trit_wreq                      |
//             |   checks)                  +--> trit_seq ---------+            v
//             |                                   ^   |     trit_array (R x C x V)
//  AXI4 R <-- trit_dma_rd <-- {fetch, actload, wreq}  |           | shadows
//             |  beats --> fetch / actbuf / trit_wfeed (FIFO, gearbox, T2/T5 decode) --> seq
//  AXI4 W <-- trit_dma_wr <-- trit_drain <-- tiles ---+-----------+
//
// Units are decoupled by small command FIFOs and process the same ordered sequence of passes;
// see docs/rtl.md for the pipeline, the skew and the rates.
module trit_top #(
  parameter int NumRows          = 2,
  parameter int NumCols          = 4,
  parameter int NumLanes         = 4,
  parameter int AxiDataWidth     = 64,
  parameter int AxiAddrWidth     = 32,
  parameter int AxiIdWidth       = 4,
  parameter int KMax             = 512,
  parameter int MaxBurstBeats    = 16,
  parameter int MaxReadsInFlight = 4,
  parameter int WeightFifoBeats  = 64,
  parameter int ClockKhz         = 0
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  // AXI4-Lite slave: control/status registers (12-bit byte address, 32-bit data)
  input  logic [11:0]                 s_axil_awaddr_i,
  input  logic                        s_axil_awvalid_i,
  output logic                        s_axil_awready_o,
  input  logic [31:0]                 s_axil_wdata_i,
  input  logic [3:0]                  s_axil_wstrb_i,
  input  logic                        s_axil_wvalid_i,
  output logic                        s_axil_wready_o,
  output logic [1:0]                  s_axil_bresp_o,
  output logic                        s_axil_bvalid_o,
  input  logic                        s_axil_bready_i,
  input  logic [11:0]                 s_axil_araddr_i,
  input  logic                        s_axil_arvalid_i,
  output logic                        s_axil_arready_o,
  output logic [31:0]                 s_axil_rdata_o,
  output logic [1:0]                  s_axil_rresp_o,
  output logic                        s_axil_rvalid_o,
  input  logic                        s_axil_rready_i,
  // AXI4 master: DMA
  output logic [AxiIdWidth-1:0]       m_axi_arid_o,
  output logic [AxiAddrWidth-1:0]     m_axi_araddr_o,
  output logic [7:0]                  m_axi_arlen_o,
  output logic [2:0]                  m_axi_arsize_o,
  output logic [1:0]                  m_axi_arburst_o,
  output logic [3:0]                  m_axi_arcache_o,
  output logic [2:0]                  m_axi_arprot_o,
  output logic                        m_axi_arvalid_o,
  input  logic                        m_axi_arready_i,
  input  logic [AxiIdWidth-1:0]       m_axi_rid_i,
  input  logic [AxiDataWidth-1:0]     m_axi_rdata_i,
  input  logic [1:0]                  m_axi_rresp_i,
  input  logic                        m_axi_rlast_i,
  input  logic                        m_axi_rvalid_i,
  output logic                        m_axi_rready_o,
  output logic [AxiIdWidth-1:0]       m_axi_awid_o,
  output logic [AxiAddrWidth-1:0]     m_axi_awaddr_o,
  output logic [7:0]                  m_axi_awlen_o,
  output logic [2:0]                  m_axi_awsize_o,
  output logic [1:0]                  m_axi_awburst_o,
  output logic [3:0]                  m_axi_awcache_o,
  output logic [2:0]                  m_axi_awprot_o,
  output logic                        m_axi_awvalid_o,
  input  logic                        m_axi_awready_i,
  output logic [AxiDataWidth-1:0]     m_axi_wdata_o,
  output logic [(AxiDataWidth >> 3)-1:0] m_axi_wstrb_o,
  output logic                        m_axi_wlast_o,
  output logic                        m_axi_wvalid_o,
  input  logic                        m_axi_wready_i,
  input  logic [AxiIdWidth-1:0]       m_axi_bid_i,
  input  logic [1:0]                  m_axi_bresp_i,
  input  logic                        m_axi_bvalid_i,
  output logic                        m_axi_bready_o,
  // interrupt (level, active high)
  output logic                        irq_o
);
  // ---- configuration checks: Yosys and verilator --lint-only stop on the elaboration-time $error;
  // the initial $fatal (hidden from synthesis, Yosys cannot elaborate it) also stops a Verilated
  // model built with warnings non-fatal at time 0 ------------------------------------------------
  localparam int BusBytes = AxiDataWidth >> 3;
  if (!(AxiDataWidth == 64 || AxiDataWidth == 128 || AxiDataWidth == 256 || AxiDataWidth == 512 ||
        AxiDataWidth == 1024)) begin : g_bad_width
    $error("trit_top: AxiDataWidth must be 64, 128, 256, 512 or 1024");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: AxiDataWidth must be 64, 128, 256, 512 or 1024");
`endif
  end
  if (!trit_pkg::is_pow2(NumLanes) || NumLanes > BusBytes) begin : g_bad_lanes
    $error("trit_top: NumLanes must be a power of two no larger than AxiDataWidth/8");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: NumLanes must be a power of two no larger than AxiDataWidth/8");
`endif
  end
  if (KMax < BusBytes || trit_pkg::rem(KMax, BusBytes) != 0) begin : g_bad_kmax
    $error("trit_top: KMax must be a positive multiple of AxiDataWidth/8");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: KMax must be a positive multiple of AxiDataWidth/8");
`endif
  end
  if (MaxBurstBeats < 1 || MaxBurstBeats > 256 || MaxBurstBeats > trit_pkg::div(4096, BusBytes)) begin : g_bad_burst
    $error("trit_top: MaxBurstBeats must be in 1..min(256, 4096/(AxiDataWidth/8))");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: MaxBurstBeats must be in 1..min(256, 4096/(AxiDataWidth/8))");
`endif
  end
  if (NumRows < 1 || NumCols < 1) begin : g_bad_shape
    $error("trit_top: NumRows and NumCols must be at least 1");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: NumRows and NumCols must be at least 1");
`endif
  end
  if (WeightFifoBeats < MaxBurstBeats || MaxReadsInFlight < 1 || AxiAddrWidth < 13 || AxiAddrWidth > 64) begin : g_bad_dma
    $error("trit_top: need WeightFifoBeats >= MaxBurstBeats, MaxReadsInFlight >= 1, 13 <= AxiAddrWidth <= 64");
`ifndef SYNTHESIS
    initial $fatal(1, "trit_top: need WeightFifoBeats >= MaxBurstBeats, MaxReadsInFlight >= 1, 13 <= AxiAddrWidth <= 64");
`endif
  end

  // ---- derived widths ------------------------------------------------------------------------------
  localparam int AddrW      = AxiAddrWidth;
  localparam int IdxW       = 16;
  localparam int Trits      = trit_pkg::mul(NumCols, NumLanes);
  localparam int CodeW      = Trits << 1;
  localparam int RowsW      = $clog2(NumRows + 1);
  localparam int RowSelW    = (NumRows > 1) ? $clog2(NumRows) : 1;
  localparam int ColsW      = $clog2(NumCols + 1);
  localparam int ChunksW    = trit_pkg::chunks_w(KMax, NumLanes);
  localparam int TileBeatsW = trit_pkg::tile_beats_w(KMax, NumCols, NumLanes, BusBytes);
  localparam int ActBeatsW  = trit_pkg::act_beats_w(KMax, BusBytes);
  localparam int PadW       = $clog2(BusBytes);
  localparam int ReqBeatsW  = trit_pkg::max(TileBeatsW, ActBeatsW) + 1;
  localparam int SlotW      = (BusBytes > 64) ? $clog2(trit_pkg::div(BusBytes, 64)) : 1;
  localparam int UserW      = trit_pkg::max(SlotW, trit_pkg::max(1 + RowSelW, 1 + PadW));
  localparam int BeatsPerBank = trit_pkg::div(KMax, BusBytes);
  localparam int BeatW      = (BeatsPerBank > 1) ? $clog2(BeatsPerBank) : 1;
  localparam int SlicesPerBeat = trit_pkg::div(BusBytes, NumLanes);
  localparam int SliceW     = (SlicesPerBeat > 1) ? $clog2(SlicesPerBeat) : 1;
  localparam int OpsW       = $clog2(trit_pkg::mul(Trits, NumRows) + 1);
  localparam int WrBeatsW   = $clog2(trit_pkg::div_ceil((NumCols << 2) + BusBytes - 1, BusBytes) + 1);
  localparam int NumCounters = `TRIT_NUM_COUNTERS;
  localparam int IncW       = trit_pkg::max(OpsW, $clog2(BusBytes + 1));
  // Cycles from a chunk's issue to its array input (trit_seq / trit_actbuf).
  localparam int IssueToArray = 2;
  // The drain reads a tile's shadow rows in order, one row per cycle at most, starting
  // ShadowWait + 1 cycles after the tile's last chunk issued. That chunk reaches PE(r, c) at
  // issue + IssueToArray + r + c and its shadow two register stages later, readable from
  // issue + IssueToArray + r + c + 2; row r is read no earlier than issue + ShadowWait + 1 + r,
  // so ShadowWait = IssueToArray + C covers the last column of every row (row r's own skew r is
  // covered by the reading order). The block test of the drain checks the drain side; the
  // GEMM tests fail with one cycle less.
  localparam int ShadowWait = IssueToArray + NumCols;
  localparam int NumClients = 3;   // 0: descriptors, 1: activations, 2: weights
  // Output bursts outstanding: prefill writes R short bursts (one per output row) per tile, so
  // with a 100-cycle write response latency and short tiles many must be in flight.
  localparam int MaxWritesInFlight = 16;
  localparam int ClientDesc = 0, ClientAct = 1, ClientWgt = 2;

  // ---- register file and controller -----------------------------------------------------------------
  logic             core_rst_n, enable, soft_reset, cnt_clear, ring_clear, abort;
  logic [63:0]      ring_base;
  logic [31:0]      ring_size_log2, ring_tail;
  logic             busy, halted, resetting, cnt_desc;
  logic [3:0]       err_code;
  logic [IdxW-1:0]  err_index, ring_head, fetch_idx;
  logic [63:0]      err_addr;
  logic [31:0]      done_count, last_tag;
  logic [2:0]       irq_set;
  logic [(NumCounters << 6)-1:0] counters;

  trit_regfile #(
    .NumRows(NumRows), .NumCols(NumCols), .NumLanes(NumLanes), .BusBytes(BusBytes), .KMax(KMax),
    .AddrW(AddrW), .MaxBurstBeats(MaxBurstBeats), .ClockKhz(ClockKhz)
  ) u_regfile (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o,
    .s_axil_wdata_i, .s_axil_wstrb_i, .s_axil_wvalid_i, .s_axil_wready_o,
    .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o,
    .s_axil_rdata_o, .s_axil_rresp_o, .s_axil_rvalid_o, .s_axil_rready_i,
    .enable_o         (enable),
    .soft_reset_o     (soft_reset),
    .cnt_clear_o      (cnt_clear),
    .ring_base_o      (ring_base),
    .ring_size_log2_o (ring_size_log2),
    .ring_tail_o      (ring_tail),
    .busy_i           (busy),
    .halted_i         (halted),
    .resetting_i      (resetting),
    .err_code_i       (err_code),
    .err_index_i      (err_index),
    .err_addr_i       (err_addr),
    .ring_head_i      (ring_head),
    .done_count_i     (done_count),
    .last_tag_i       (last_tag),
    .ring_clear_i     (ring_clear),
    .irq_set_i        (irq_set),
    .counters_i       (counters),
    .irq_o
  );

  // Completion queue, DMA status (declared here, driven below).
  logic             comp_valid, comp_ready, comp_irq;
  logic [3:0]       comp_err;
  logic [IdxW-1:0]  comp_idx;
  logic [31:0]      comp_tag;
  logic             wr_done, rd_err, wr_err, rd_busy, wr_busy;
  logic [IdxW-1:0]  wr_done_idx, rd_err_idx, wr_err_idx;
  logic [AddrW-1:0] rd_err_addr, wr_err_addr;

  trit_ctrl #(.AddrW(AddrW), .IdxW(IdxW), .Depth(4)) u_ctrl (
    .clk_i, .rst_ni,
    .core_rst_no      (core_rst_n),
    .soft_reset_i     (soft_reset),
    .ring_size_log2_i (ring_size_log2),
    .busy_o           (busy),
    .halted_o         (halted),
    .resetting_o      (resetting),
    .err_code_o       (err_code),
    .err_index_o      (err_index),
    .err_addr_o       (err_addr),
    .ring_head_o      (ring_head),
    .done_count_o     (done_count),
    .last_tag_o       (last_tag),
    .ring_clear_o     (ring_clear),
    .irq_set_o        (irq_set),
    .cnt_desc_o       (cnt_desc),
    .comp_valid_i     (comp_valid),
    .comp_ready_o     (comp_ready),
    .comp_err_i       (comp_err),
    .comp_idx_i       (comp_idx),
    .comp_tag_i       (comp_tag),
    .comp_irq_i       (comp_irq),
    .fetch_idx_i      (fetch_idx),
    .wr_done_i        (wr_done),
    .wr_done_idx_i    (wr_done_idx),
    .rd_err_i         (rd_err),
    .rd_err_addr_i    (rd_err_addr),
    .rd_err_idx_i     (rd_err_idx),
    .wr_err_i         (wr_err),
    .wr_err_addr_i    (wr_err_addr),
    .wr_err_idx_i     (wr_err_idx),
    .rd_busy_i        (rd_busy),
    .wr_busy_i        (wr_busy),
    .abort_o          (abort)
  );

  // ---- read DMA and its clients ------------------------------------------------------------------------
  logic [NumClients-1:0]                        rq_valid, rq_ready, rs_valid;
  logic [trit_pkg::mul(NumClients, AddrW)-1:0]  rq_addr;
  logic [trit_pkg::mul(NumClients, ReqBeatsW)-1:0] rq_beats;
  logic [trit_pkg::mul(NumClients, UserW)-1:0]  rq_user;
  logic [trit_pkg::mul(NumClients, IdxW)-1:0]   rq_idx;
  logic [AxiDataWidth-1:0]                      rs_data;
  logic                                         rs_last;
  logic [UserW-1:0]                             rs_user;
  logic                                         wgt_credit;

  trit_dma_rd #(
    .AddrW(AddrW), .DataW(AxiDataWidth), .IdW(AxiIdWidth), .MaxBurstBeats(MaxBurstBeats),
    .MaxReadsInFlight(MaxReadsInFlight), .NumClients(NumClients), .BeatsW(ReqBeatsW), .UserW(UserW),
    .IdxW(IdxW), .CreditClient(ClientWgt), .CreditBeats(WeightFifoBeats)
  ) u_dma_rd (
    .clk_i, .rst_ni (core_rst_n),
    .abort_i     (abort),
    .req_valid_i (rq_valid),
    .req_ready_o (rq_ready),
    .req_addr_i  (rq_addr),
    .req_beats_i (rq_beats),
    .req_user_i  (rq_user),
    .req_idx_i   (rq_idx),
    .credit_i    (wgt_credit),
    .rsp_valid_o (rs_valid),
    .rsp_data_o  (rs_data),
    .rsp_last_o  (rs_last),
    .rsp_user_o  (rs_user),
    .err_o       (rd_err),
    .err_addr_o  (rd_err_addr),
    .err_idx_o   (rd_err_idx),
    .busy_o      (rd_busy),
    .m_axi_arid_o, .m_axi_araddr_o, .m_axi_arlen_o, .m_axi_arsize_o, .m_axi_arburst_o,
    .m_axi_arcache_o, .m_axi_arprot_o, .m_axi_arvalid_o, .m_axi_arready_i,
    .m_axi_rid_i, .m_axi_rdata_i, .m_axi_rresp_i, .m_axi_rlast_i, .m_axi_rvalid_i, .m_axi_rready_o
  );

  // Descriptor fetch (client 0).
  logic                  dq_valid, dq_ready, dq_fmt, dq_irq;
  logic [3:0]            dq_err;
  logic [IdxW-1:0]       dq_idx;
  logic [31:0]           dq_m, dq_n, dq_tag, dq_x_stride, dq_y_stride;
  logic [AddrW-1:0]      dq_x_addr, dq_w_addr, dq_y_addr;
  logic [ChunksW-1:0]    dq_n_chunks;
  logic [TileBeatsW-1:0] dq_tile_beats;
  logic [PadW-1:0]       dq_pad;
  logic [ActBeatsW-1:0]  dq_act_beats;

  trit_fetch #(
    .NumCols(NumCols), .NumLanes(NumLanes), .BusBytes(BusBytes), .KMax(KMax), .AddrW(AddrW),
    .IdxW(IdxW), .ReqBeatsW(ReqBeatsW), .UserW(UserW), .Prefetch(2)
  ) u_fetch (
    .clk_i, .rst_ni (core_rst_n),
    .enable_i         (enable),
    .ring_base_i      (ring_base),
    .ring_size_log2_i (ring_size_log2),
    .ring_tail_i      (ring_tail),
    .fetch_idx_o      (fetch_idx),
    .req_valid_o      (rq_valid[ClientDesc]),
    .req_ready_i      (rq_ready[ClientDesc]),
    .req_addr_o       (rq_addr[trit_pkg::mul(ClientDesc, AddrW) +: AddrW]),
    .req_beats_o      (rq_beats[trit_pkg::mul(ClientDesc, ReqBeatsW) +: ReqBeatsW]),
    .req_user_o       (rq_user[trit_pkg::mul(ClientDesc, UserW) +: UserW]),
    .req_idx_o        (rq_idx[trit_pkg::mul(ClientDesc, IdxW) +: IdxW]),
    .rsp_valid_i      (rs_valid[ClientDesc]),
    .rsp_data_i       (rs_data),
    .rsp_last_i       (rs_last),
    .rsp_user_i       (rs_user),
    .dq_valid_o       (dq_valid),
    .dq_ready_i       (dq_ready),
    .dq_err_o         (dq_err),
    .dq_idx_o         (dq_idx),
    .dq_fmt_o         (dq_fmt),
    .dq_irq_o         (dq_irq),
    .dq_m_o           (dq_m),
    .dq_n_o           (dq_n),
    .dq_tag_o         (dq_tag),
    .dq_x_addr_o      (dq_x_addr),
    .dq_w_addr_o      (dq_w_addr),
    .dq_y_addr_o      (dq_y_addr),
    .dq_x_stride_o    (dq_x_stride),
    .dq_y_stride_o    (dq_y_stride),
    .dq_n_chunks_o    (dq_n_chunks),
    .dq_tile_beats_o  (dq_tile_beats),
    .dq_pad_o         (dq_pad),
    .dq_act_beats_o   (dq_act_beats)
  );

  // Passes.
  logic                  p_bank, p_last, p_fmt;
  logic [RowsW-1:0]      p_rows;
  logic [AddrW-1:0]      p_x_addr, p_y_addr, p_w_addr;
  logic [IdxW-1:0]       p_idx;
  logic [31:0]           p_n, p_x_stride, p_y_stride;
  logic [ChunksW-1:0]    p_n_chunks;
  logic [TileBeatsW-1:0] p_tile_beats;
  logic [PadW-1:0]       p_pad;
  logic [ActBeatsW-1:0]  p_act_beats;
  logic                  act_cmd_valid, act_cmd_ready, wgt_cmd_valid, wgt_cmd_ready;
  logic                  seq_cmd_valid, seq_cmd_ready;

  trit_dispatch #(
    .NumRows(NumRows), .AddrW(AddrW), .IdxW(IdxW), .ChunksW(ChunksW), .TileBeatsW(TileBeatsW),
    .PadW(PadW), .ActBeatsW(ActBeatsW)
  ) u_dispatch (
    .clk_i, .rst_ni (core_rst_n),
    .dq_valid_i        (dq_valid),
    .dq_ready_o        (dq_ready),
    .dq_err_i          (dq_err),
    .dq_idx_i          (dq_idx),
    .dq_fmt_i          (dq_fmt),
    .dq_irq_i          (dq_irq),
    .dq_m_i            (dq_m),
    .dq_n_i            (dq_n),
    .dq_tag_i          (dq_tag),
    .dq_x_addr_i       (dq_x_addr),
    .dq_w_addr_i       (dq_w_addr),
    .dq_y_addr_i       (dq_y_addr),
    .dq_x_stride_i     (dq_x_stride),
    .dq_y_stride_i     (dq_y_stride),
    .dq_n_chunks_i     (dq_n_chunks),
    .dq_tile_beats_i   (dq_tile_beats),
    .dq_pad_i          (dq_pad),
    .dq_act_beats_i    (dq_act_beats),
    .comp_valid_o      (comp_valid),
    .comp_ready_i      (comp_ready),
    .comp_err_o        (comp_err),
    .comp_idx_o        (comp_idx),
    .comp_tag_o        (comp_tag),
    .comp_irq_o        (comp_irq),
    .pass_bank_o       (p_bank),
    .pass_rows_o       (p_rows),
    .pass_x_addr_o     (p_x_addr),
    .pass_y_addr_o     (p_y_addr),
    .pass_last_o       (p_last),
    .pass_idx_o        (p_idx),
    .pass_n_o          (p_n),
    .pass_x_stride_o   (p_x_stride),
    .pass_y_stride_o   (p_y_stride),
    .pass_fmt_o        (p_fmt),
    .pass_w_addr_o     (p_w_addr),
    .pass_n_chunks_o   (p_n_chunks),
    .pass_tile_beats_o (p_tile_beats),
    .pass_pad_o        (p_pad),
    .pass_act_beats_o  (p_act_beats),
    .act_valid_o       (act_cmd_valid),
    .act_ready_i       (act_cmd_ready),
    .wgt_valid_o       (wgt_cmd_valid),
    .wgt_ready_i       (wgt_cmd_ready),
    .seq_valid_o       (seq_cmd_valid),
    .seq_ready_i       (seq_cmd_ready)
  );

  // Activations (client 1) into the activation buffer.
  logic               ab_wr_en, ab_wr_bank;
  logic [RowSelW-1:0] ab_wr_row;
  logic [BeatW-1:0]   ab_wr_beat;
  logic [AxiDataWidth-1:0] ab_wr_data;
  logic [1:0]         bank_ready, bank_release;

  trit_actload #(
    .NumRows(NumRows), .BusBytes(BusBytes), .KMax(KMax), .AddrW(AddrW), .IdxW(IdxW),
    .ActBeatsW(ActBeatsW), .ReqBeatsW(ReqBeatsW), .UserW(UserW)
  ) u_actload (
    .clk_i, .rst_ni (core_rst_n),
    .cmd_valid_i     (act_cmd_valid),
    .cmd_ready_o     (act_cmd_ready),
    .cmd_bank_i      (p_bank),
    .cmd_rows_i      (p_rows),
    .cmd_act_beats_i (p_act_beats),
    .cmd_x_addr_i    (p_x_addr),
    .cmd_x_stride_i  (p_x_stride),
    .cmd_idx_i       (p_idx),
    .req_valid_o     (rq_valid[ClientAct]),
    .req_ready_i     (rq_ready[ClientAct]),
    .req_addr_o      (rq_addr[trit_pkg::mul(ClientAct, AddrW) +: AddrW]),
    .req_beats_o     (rq_beats[trit_pkg::mul(ClientAct, ReqBeatsW) +: ReqBeatsW]),
    .req_user_o      (rq_user[trit_pkg::mul(ClientAct, UserW) +: UserW]),
    .req_idx_o       (rq_idx[trit_pkg::mul(ClientAct, IdxW) +: IdxW]),
    .rsp_valid_i     (rs_valid[ClientAct]),
    .rsp_data_i      (rs_data),
    .rsp_last_i      (rs_last),
    .rsp_user_i      (rs_user),
    .wr_en_o         (ab_wr_en),
    .wr_bank_o       (ab_wr_bank),
    .wr_row_o        (ab_wr_row),
    .wr_beat_o       (ab_wr_beat),
    .wr_data_o       (ab_wr_data),
    .bank_ready_o    (bank_ready),
    .bank_release_i  (bank_release)
  );

  // Weights (client 2): requests and the feed.
  logic             chunk_valid, chunk_ready;
  logic [CodeW-1:0] chunk_code;

  trit_wreq #(
    .NumCols(NumCols), .BusBytes(BusBytes), .AddrW(AddrW), .IdxW(IdxW), .TileBeatsW(TileBeatsW),
    .PadW(PadW), .ReqBeatsW(ReqBeatsW), .UserW(UserW)
  ) u_wreq (
    .clk_i, .rst_ni (core_rst_n),
    .cmd_valid_i      (wgt_cmd_valid),
    .cmd_ready_o      (wgt_cmd_ready),
    .cmd_w_addr_i     (p_w_addr),
    .cmd_n_i          (p_n),
    .cmd_tile_beats_i (p_tile_beats),
    .cmd_pad_i        (p_pad),
    .cmd_fmt_i        (p_fmt),
    .cmd_idx_i        (p_idx),
    .req_valid_o      (rq_valid[ClientWgt]),
    .req_ready_i      (rq_ready[ClientWgt]),
    .req_addr_o       (rq_addr[trit_pkg::mul(ClientWgt, AddrW) +: AddrW]),
    .req_beats_o      (rq_beats[trit_pkg::mul(ClientWgt, ReqBeatsW) +: ReqBeatsW]),
    .req_user_o       (rq_user[trit_pkg::mul(ClientWgt, UserW) +: UserW]),
    .req_idx_o        (rq_idx[trit_pkg::mul(ClientWgt, IdxW) +: IdxW])
  );

  trit_wfeed #(
    .NumCols(NumCols), .NumLanes(NumLanes), .BusBytes(BusBytes), .WeightFifoBeats(WeightFifoBeats)
  ) u_wfeed (
    .clk_i, .rst_ni (core_rst_n),
    .beat_valid_i  (rs_valid[ClientWgt]),
    .beat_data_i   (rs_data),
    .beat_last_i   (rs_last),
    .beat_fmt_i    (rs_user[PadW]),
    .beat_pad_i    (rs_user[PadW-1:0]),
    .credit_o      (wgt_credit),
    .chunk_valid_o (chunk_valid),
    .chunk_ready_i (chunk_ready),
    .chunk_code_o  (chunk_code)
  );

  // ---- compute -------------------------------------------------------------------------------------------
  logic [NumRows-1:0]    rd_en;
  logic                  rd_bank;
  logic [BeatW-1:0]      rd_beat;
  logic [SliceW-1:0]     rd_slice;
  logic                  arr_w_valid, arr_a_first, arr_a_last;
  logic [CodeW-1:0]      arr_w_code;
  logic [NumRows-1:0]    arr_a_valid;
  logic [trit_pkg::mul(NumRows, NumLanes << 3)-1:0] arr_a_data;
  logic [trit_pkg::mul(trit_pkg::mul(NumRows, NumCols), 32)-1:0] shadows;
  logic                  tile_valid, tile_ready, tile_desc_last;
  logic [31:0]           tile_n0, tile_y_stride;
  logic [ColsW-1:0]      tile_cols;
  logic [RowsW-1:0]      tile_rows;
  logic [AddrW-1:0]      tile_y_addr;
  logic [IdxW-1:0]       tile_idx;
  logic                  c_issue, c_stall_w, c_stall_a, c_stall_d, c_stall_wr;
  logic [OpsW-1:0]       c_lane_ops, c_zero_skips;

  trit_seq #(
    .NumRows(NumRows), .NumCols(NumCols), .NumLanes(NumLanes), .BusBytes(BusBytes), .KMax(KMax),
    .AddrW(AddrW), .IdxW(IdxW)
  ) u_seq (
    .clk_i, .rst_ni (core_rst_n),
    .cmd_valid_i        (seq_cmd_valid),
    .cmd_ready_o        (seq_cmd_ready),
    .cmd_bank_i         (p_bank),
    .cmd_rows_i         (p_rows),
    .cmd_n_i            (p_n),
    .cmd_chunks_i       (p_n_chunks),
    .cmd_y_addr_i       (p_y_addr),
    .cmd_y_stride_i     (p_y_stride),
    .cmd_idx_i          (p_idx),
    .cmd_last_pass_i    (p_last),
    .chunk_valid_i      (chunk_valid),
    .chunk_ready_o      (chunk_ready),
    .chunk_code_i       (chunk_code),
    .bank_ready_i       (bank_ready),
    .bank_release_o     (bank_release),
    .act_rd_en_o        (rd_en),
    .act_rd_bank_o      (rd_bank),
    .act_rd_beat_o      (rd_beat),
    .act_rd_slice_o     (rd_slice),
    .arr_w_valid_o      (arr_w_valid),
    .arr_w_code_o       (arr_w_code),
    .arr_a_valid_o      (arr_a_valid),
    .arr_a_first_o      (arr_a_first),
    .arr_a_last_o       (arr_a_last),
    .tile_valid_o       (tile_valid),
    .tile_ready_i       (tile_ready),
    .tile_n0_o          (tile_n0),
    .tile_cols_o        (tile_cols),
    .tile_rows_o        (tile_rows),
    .tile_y_addr_o      (tile_y_addr),
    .tile_y_stride_o    (tile_y_stride),
    .tile_idx_o         (tile_idx),
    .tile_desc_last_o   (tile_desc_last),
    .cnt_issue_o        (c_issue),
    .cnt_stall_weight_o (c_stall_w),
    .cnt_stall_act_o    (c_stall_a),
    .cnt_stall_drain_o  (c_stall_d),
    .cnt_lane_ops_o     (c_lane_ops),
    .cnt_zero_skips_o   (c_zero_skips)
  );

  trit_actbuf #(
    .NumRows(NumRows), .NumLanes(NumLanes), .BusBytes(BusBytes), .KMax(KMax)
  ) u_actbuf (
    .clk_i, .rst_ni (core_rst_n),
    .wr_en_i    (ab_wr_en),
    .wr_bank_i  (ab_wr_bank),
    .wr_row_i   (ab_wr_row),
    .wr_beat_i  (ab_wr_beat),
    .wr_data_i  (ab_wr_data),
    .rd_en_i    (rd_en),
    .rd_bank_i  (rd_bank),
    .rd_beat_i  (rd_beat),
    .rd_slice_i (rd_slice),
    .rd_data_o  (arr_a_data)
  );

  logic [NumRows-1:0]    ev_wreg, ev_acc, ev_shadow;

  trit_array #(.NumRows(NumRows), .NumCols(NumCols), .NumLanes(NumLanes)) u_array (
    .clk_i, .rst_ni (core_rst_n),
    .w_valid_i   (arr_w_valid),
    .w_code_i    (arr_w_code),
    .a_valid_i   (arr_a_valid),
    .a_first_i   (arr_a_first),
    .a_last_i    (arr_a_last),
    .a_data_i    (arr_a_data),
    .shadow_o    (shadows),
    .ev_wreg_o   (ev_wreg),
    .ev_acc_o    (ev_acc),
    .ev_shadow_o (ev_shadow)
  );

  // ---- drain and write DMA ---------------------------------------------------------------------------------
  logic                   wcmd_valid, wcmd_ready, wcmd_last, wdata_valid, wdata_ready;
  logic [AddrW-1:0]       wcmd_addr;
  logic [WrBeatsW-1:0]    wcmd_beats;
  logic [IdxW-1:0]        wcmd_idx;
  logic [AxiDataWidth-1:0] wdata;
  logic [BusBytes-1:0]    wstrb;
  logic                   c_drain_row;

  trit_drain #(
    .NumRows(NumRows), .NumCols(NumCols), .BusBytes(BusBytes), .AddrW(AddrW), .IdxW(IdxW),
    .ShadowWait(ShadowWait)
  ) u_drain (
    .clk_i, .rst_ni (core_rst_n),
    .tile_valid_i      (tile_valid),
    .tile_ready_o      (tile_ready),
    .tile_n0_i         (tile_n0),
    .tile_cols_i       (tile_cols),
    .tile_rows_i       (tile_rows),
    .tile_y_addr_i     (tile_y_addr),
    .tile_y_stride_i   (tile_y_stride),
    .tile_idx_i        (tile_idx),
    .tile_desc_last_i  (tile_desc_last),
    .shadow_i          (shadows),
    .wcmd_valid_o      (wcmd_valid),
    .wcmd_ready_i      (wcmd_ready),
    .wcmd_addr_o       (wcmd_addr),
    .wcmd_beats_o      (wcmd_beats),
    .wcmd_last_o       (wcmd_last),
    .wcmd_idx_o        (wcmd_idx),
    .wdata_valid_o     (wdata_valid),
    .wdata_ready_i     (wdata_ready),
    .wdata_o           (wdata),
    .wstrb_o           (wstrb),
    .cnt_stall_write_o (c_stall_wr),
    .cnt_row_read_o    (c_drain_row)
  );

  trit_dma_wr #(
    .AddrW(AddrW), .DataW(AxiDataWidth), .IdW(AxiIdWidth), .MaxBurstBeats(MaxBurstBeats),
    .MaxWritesInFlight(MaxWritesInFlight), .BeatsW(WrBeatsW), .IdxW(IdxW), .DataFifoBeats(4)
  ) u_dma_wr (
    .clk_i, .rst_ni (core_rst_n),
    .abort_i      (abort),
    .cmd_valid_i  (wcmd_valid),
    .cmd_ready_o  (wcmd_ready),
    .cmd_addr_i   (wcmd_addr),
    .cmd_beats_i  (wcmd_beats),
    .cmd_last_i   (wcmd_last),
    .cmd_idx_i    (wcmd_idx),
    .data_valid_i (wdata_valid),
    .data_ready_o (wdata_ready),
    .data_i       (wdata),
    .strb_i       (wstrb),
    .done_o       (wr_done),
    .done_idx_o   (wr_done_idx),
    .err_o        (wr_err),
    .err_addr_o   (wr_err_addr),
    .err_idx_o    (wr_err_idx),
    .busy_o       (wr_busy),
    .m_axi_awid_o, .m_axi_awaddr_o, .m_axi_awlen_o, .m_axi_awsize_o, .m_axi_awburst_o,
    .m_axi_awcache_o, .m_axi_awprot_o, .m_axi_awvalid_o, .m_axi_awready_i,
    .m_axi_wdata_o, .m_axi_wstrb_o, .m_axi_wlast_o, .m_axi_wvalid_o, .m_axi_wready_i,
    .m_axi_bid_i, .m_axi_bresp_i, .m_axi_bvalid_i, .m_axi_bready_o
  );

  // ---- performance counters (register-map order; increments registered once) --------------------------------
  // Counter i's increment at bits [IncW i +: IncW] (indices from the generated register map).
  logic [trit_pkg::mul(NumCounters, IncW)-1:0] inc_d, inc_q;
  localparam logic [IncW-1:0] BeatBytes = IncW'(BusBytes);
  // A descriptor is 64 bytes: 64/B beats on a narrow bus, one beat (of which 64 bytes count) on a
  // wide one.
  localparam logic [IncW-1:0] DescBeatBytes = IncW'(trit_pkg::min(BusBytes, 64));
  // V bytes per activation row read (V is a power of two).
  localparam int LanesLog2 = $clog2(NumLanes);
  localparam logic [IncW-1:0] ColsInc = IncW'(NumCols);
  // Rows of column 0 with an event this cycle; x C (shift-and-add over the bits of the count)
  // for the accumulator and shadow updates of all columns.
  logic [RowsW-1:0] n_wreg, n_acc, n_shadow;
  logic [IncW-1:0]  acc_inc, shadow_inc;
  always_comb begin
    n_wreg     = RowsW'($countones(ev_wreg));
    n_acc      = RowsW'($countones(ev_acc));
    n_shadow   = RowsW'($countones(ev_shadow));
    acc_inc    = '0;
    shadow_inc = '0;
    for (int b = 0; b < RowsW; b++) begin
      if (n_acc[b])    acc_inc    = acc_inc + (ColsInc << b);
      if (n_shadow[b]) shadow_inc = shadow_inc + (ColsInc << b);
    end
  end

  always_comb begin
    inc_d = '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_CYCLES_IDX, IncW) +: IncW]         = IncW'(1);
    inc_d[trit_pkg::mul(`TRIT_CNT_BUSY_IDX, IncW) +: IncW]           = IncW'(busy);
    inc_d[trit_pkg::mul(`TRIT_CNT_ISSUE_IDX, IncW) +: IncW]          = IncW'(c_issue);
    inc_d[trit_pkg::mul(`TRIT_CNT_STALL_WEIGHT_IDX, IncW) +: IncW]   = IncW'(c_stall_w);
    inc_d[trit_pkg::mul(`TRIT_CNT_STALL_ACT_IDX, IncW) +: IncW]      = IncW'(c_stall_a);
    inc_d[trit_pkg::mul(`TRIT_CNT_STALL_DRAIN_IDX, IncW) +: IncW]    = IncW'(c_stall_d);
    inc_d[trit_pkg::mul(`TRIT_CNT_STALL_WRITE_IDX, IncW) +: IncW]    = IncW'(c_stall_wr);
    inc_d[trit_pkg::mul(`TRIT_CNT_WEIGHT_BYTES_IDX, IncW) +: IncW]   = rs_valid[ClientWgt] ? BeatBytes : '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_ACT_BYTES_IDX, IncW) +: IncW]      = rs_valid[ClientAct] ? BeatBytes : '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_OUT_BYTES_IDX, IncW) +: IncW]      = (m_axi_wvalid_o && m_axi_wready_i) ?
                                                                       IncW'($countones(m_axi_wstrb_o)) : '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_DESC_BYTES_IDX, IncW) +: IncW]     = rs_valid[ClientDesc] ? DescBeatBytes : '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_LANE_OPS_IDX, IncW) +: IncW]       = IncW'(c_lane_ops);
    inc_d[trit_pkg::mul(`TRIT_CNT_ZERO_SKIPS_IDX, IncW) +: IncW]     = IncW'(c_zero_skips);
    inc_d[trit_pkg::mul(`TRIT_CNT_DESCS_IDX, IncW) +: IncW]          = IncW'(cnt_desc);
    inc_d[trit_pkg::mul(`TRIT_CNT_ACT_READ_BYTES_IDX, IncW) +: IncW] = IncW'($countones(rd_en)) << LanesLog2;
    inc_d[trit_pkg::mul(`TRIT_CNT_WFIFO_WRITES_IDX, IncW) +: IncW]   = IncW'(rs_valid[ClientWgt]);
    inc_d[trit_pkg::mul(`TRIT_CNT_WFIFO_READS_IDX, IncW) +: IncW]    = IncW'(wgt_credit);
    inc_d[trit_pkg::mul(`TRIT_CNT_WREG_LOADS_IDX, IncW) +: IncW]     = IncW'(n_wreg);
    inc_d[trit_pkg::mul(`TRIT_CNT_ACC_UPDATES_IDX, IncW) +: IncW]    = acc_inc;
    inc_d[trit_pkg::mul(`TRIT_CNT_SHADOW_UPDATES_IDX, IncW) +: IncW] = shadow_inc;
    inc_d[trit_pkg::mul(`TRIT_CNT_DRAIN_READS_IDX, IncW) +: IncW]    = c_drain_row ? ColsInc : '0;
    inc_d[trit_pkg::mul(`TRIT_CNT_WRITE_BEATS_IDX, IncW) +: IncW]    = IncW'(m_axi_wvalid_o && m_axi_wready_i);
    inc_d[trit_pkg::mul(`TRIT_CNT_READ_BURSTS_IDX, IncW) +: IncW]    = IncW'(m_axi_arvalid_o && m_axi_arready_i);
    inc_d[trit_pkg::mul(`TRIT_CNT_WRITE_BURSTS_IDX, IncW) +: IncW]   = IncW'(m_axi_awvalid_o && m_axi_awready_i);
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) inc_q <= '0;
    else         inc_q <= inc_d;
  end

`ifndef SYNTHESIS
  // Every row the array computes with was read from the activation buffer for that chunk
  // (IssueToArray = 2 cycles earlier): the row-mask gating of the read enables never starves a
  // row in use.
  logic [NumRows-1:0] rd_en_d1_q, rd_en_d2_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_en_d1_q <= '0;
      rd_en_d2_q <= '0;
    end else begin
      rd_en_d1_q <= rd_en;
      rd_en_d2_q <= rd_en_d1_q;
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert ((arr_a_valid & ~rd_en_d2_q) == '0) else $error("trit_top: array row active but not read from the activation buffer");
    end
  end
`endif

  trit_counters #(.NumCounters(NumCounters), .IncW(IncW)) u_counters (
    .clk_i, .rst_ni,
    .clear_i (cnt_clear),
    .inc_i   (inc_q),
    .cnt_o   (counters)
  );
endmodule
