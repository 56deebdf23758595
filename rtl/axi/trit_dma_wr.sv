// Write DMA: one AXI4 write master (one ID) for the output rows.
//
// Commands {addr, beats, last, idx} (beat-aligned address) and a stream of beats with byte
// strobes come from the drain; the DMA cuts each command into INCR bursts of at most
// MaxBurstBeats beats that never cross 4 KiB, presents AW and W independently (W never waits for
// AWREADY, as AXI requires of a master), keeps up to MaxWritesInFlight bursts outstanding, and
// accepts every B response. The B response of a command marked `last` (the final row of a
// descriptor) is the descriptor's completion: done_o pulses with its idx.
//
// An error response is reported with the burst's address and idx. abort_i stops forming new
// bursts; bursts already formed (AW presented) are finished, the beats not yet sent going out
// with zero strobes, and busy_o stays high until their B responses are in.
//
// Pipeline: the command FIFO and the current-command register (cut: drain -> burst logic), the
// AW register, the data FIFO (cut: drain -> W), the W register (cut: W logic -> AXI).
module trit_dma_wr #(
  parameter int AddrW             = 32,
  parameter int DataW             = 64,
  parameter int IdW               = 4,
  parameter int MaxBurstBeats     = 16,
  parameter int MaxWritesInFlight = 4,
  parameter int BeatsW            = 8,
  parameter int IdxW              = 16,
  parameter int DataFifoBeats     = 4,
  localparam int BusBytes = DataW >> 3,
  localparam int SizeLog2 = $clog2(BusBytes)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                abort_i,
  // commands
  input  logic                cmd_valid_i,
  output logic                cmd_ready_o,
  input  logic [AddrW-1:0]    cmd_addr_i,
  input  logic [BeatsW-1:0]   cmd_beats_i,
  input  logic                cmd_last_i,
  input  logic [IdxW-1:0]     cmd_idx_i,
  // data beats
  input  logic                data_valid_i,
  output logic                data_ready_o,
  input  logic [DataW-1:0]    data_i,
  input  logic [BusBytes-1:0] strb_i,
  // completion and errors (pulses)
  output logic                done_o,
  output logic [IdxW-1:0]     done_idx_o,
  output logic                err_o,
  output logic [AddrW-1:0]    err_addr_o,
  output logic [IdxW-1:0]     err_idx_o,
  output logic                busy_o,
  // AXI4 write channels
  output logic [IdW-1:0]      m_axi_awid_o,
  output logic [AddrW-1:0]    m_axi_awaddr_o,
  output logic [7:0]          m_axi_awlen_o,
  output logic [2:0]          m_axi_awsize_o,
  output logic [1:0]          m_axi_awburst_o,
  output logic [3:0]          m_axi_awcache_o,
  output logic [2:0]          m_axi_awprot_o,
  output logic                m_axi_awvalid_o,
  input  logic                m_axi_awready_i,
  output logic [DataW-1:0]    m_axi_wdata_o,
  output logic [BusBytes-1:0] m_axi_wstrb_o,
  output logic                m_axi_wlast_o,
  output logic                m_axi_wvalid_o,
  input  logic                m_axi_wready_i,
  input  logic [IdW-1:0]      m_axi_bid_i,
  input  logic [1:0]          m_axi_bresp_i,
  input  logic                m_axi_bvalid_i,
  output logic                m_axi_bready_o
);
  localparam int LenW     = $clog2(MaxBurstBeats + 1);
  localparam int CmdW     = AddrW + BeatsW + 1 + IdxW;
  localparam int BTagW    = AddrW + 1 + IdxW;
  localparam int DataEW   = DataW + BusBytes;

  // ---- command FIFO and the command being cut into bursts -------------------------------------
  logic               cq_valid, cq_ready;
  logic [CmdW-1:0]    cq_data;
  logic               cur_valid_q, cur_valid_d;
  logic [AddrW-1:0]   cur_addr_q, cur_addr_d;
  logic [BeatsW-1:0]  cur_beats_q, cur_beats_d;
  logic               cur_last_q, cur_last_d;
  logic [IdxW-1:0]    cur_idx_q, cur_idx_d;
  logic [1:0]         unused_cq_count;
  logic [$clog2(MaxWritesInFlight + 1)-1:0] unused_wl_count;
  logic [$clog2(DataFifoBeats + 1)-1:0]     unused_dq_count;

  trit_fifo #(.Width(CmdW), .Depth(2)) u_cmds (
    .clk_i, .rst_ni,
    .in_valid_i  (cmd_valid_i),
    .in_ready_o  (cmd_ready_o),
    .in_data_i   ({cmd_addr_i, cmd_beats_i, cmd_last_i, cmd_idx_i}),
    .out_valid_o (cq_valid),
    .out_ready_i (cq_ready),
    .out_data_o  (cq_data),
    .count_o     (unused_cq_count)
  );

  // ---- burst formation ---------------------------------------------------------------------------
  logic [LenW-1:0]     len;
  logic                final_burst, form;
  logic                aw_valid_q, aw_valid_d;
  logic [AddrW-1:0]    aw_addr_q, aw_addr_d;
  logic [7:0]          aw_len_q, aw_len_d;
  logic                wl_in_ready, wl_valid, wl_pop;
  logic [LenW-1:0]     wl_len;
  logic                bt_in_ready, bt_valid;
  logic [BTagW-1:0]    bt_data;
  logic [$clog2(MaxWritesInFlight + 1)-1:0] bt_count;

  trit_burst_len #(
    .AddrW(AddrW), .BusBytes(BusBytes), .MaxBurstBeats(MaxBurstBeats), .BeatsW(BeatsW)
  ) u_len (
    .addr_i (cur_addr_q), .beats_i (cur_beats_q), .len_o (len), .final_o (final_burst)
  );

  assign form = cur_valid_q && !abort_i && wl_in_ready && bt_in_ready &&
                (!aw_valid_q || m_axi_awready_i);
  assign cq_ready = !cur_valid_q || (form && final_burst);

  always_comb begin
    cur_valid_d = cur_valid_q;
    cur_addr_d  = cur_addr_q;
    cur_beats_d = cur_beats_q;
    cur_last_d  = cur_last_q;
    cur_idx_d   = cur_idx_q;
    if (form) begin
      cur_addr_d  = cur_addr_q + (AddrW'(len) << SizeLog2);
      cur_beats_d = cur_beats_q - BeatsW'(len);
      if (final_burst) cur_valid_d = 1'b0;
    end
    if (cq_valid && cq_ready) begin
      {cur_addr_d, cur_beats_d, cur_last_d, cur_idx_d} = cq_data;
      cur_valid_d = (cq_data[IdxW + 1 +: BeatsW] != '0);
    end
    aw_valid_d = aw_valid_q;
    aw_addr_d  = aw_addr_q;
    aw_len_d   = aw_len_q;
    if (aw_valid_q && m_axi_awready_i) aw_valid_d = 1'b0;
    if (form) begin
      aw_valid_d = 1'b1;
      aw_addr_d  = cur_addr_q;
      aw_len_d   = 8'(len) - 8'd1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cur_valid_q <= 1'b0;
      aw_valid_q  <= 1'b0;
    end else begin
      cur_valid_q <= cur_valid_d;
      aw_valid_q  <= aw_valid_d;
    end
  end
  always_ff @(posedge clk_i) begin
    cur_addr_q  <= cur_addr_d;
    cur_beats_q <= cur_beats_d;
    cur_last_q  <= cur_last_d;
    cur_idx_q   <= cur_idx_d;
    aw_addr_q   <= aw_addr_d;
    aw_len_q    <= aw_len_d;
  end

  // Lengths of formed bursts, in order, for the W side.
  trit_fifo #(.Width(LenW), .Depth(MaxWritesInFlight)) u_wlens (
    .clk_i, .rst_ni,
    .in_valid_i  (form),
    .in_ready_o  (wl_in_ready),
    .in_data_i   (len),
    .out_valid_o (wl_valid),
    .out_ready_i (wl_pop),
    .out_data_o  (wl_len),
    .count_o     (unused_wl_count)
  );

  // Formed bursts awaiting their B response: {address, completes a descriptor, idx}.
  trit_fifo #(.Width(BTagW), .Depth(MaxWritesInFlight)) u_btags (
    .clk_i, .rst_ni,
    .in_valid_i  (form),
    .in_ready_o  (bt_in_ready),
    .in_data_i   ({cur_addr_q, cur_last_q && final_burst, cur_idx_q}),
    .out_valid_o (bt_valid),
    .out_ready_i (m_axi_bvalid_i),
    .out_data_o  (bt_data),
    .count_o     (bt_count)
  );

  // ---- W: beats of the formed bursts in order, from an output register ---------------------------
  // The register keeps a presented beat stable until WREADY (AXI); what a beat carries is decided
  // when it is loaded: data and strobes normally, no data and no strobes once an abort began.
  logic              dq_valid, dq_ready;
  logic [DataEW-1:0] dq_data;
  logic [LenW-1:0]   w_count_q, w_count_d;
  logic              w_valid_q, w_valid_d, w_last_q, w_last_d, w_load, w_next_last;
  logic [DataW-1:0]  w_data_q, w_data_d;
  logic [BusBytes-1:0] w_strb_q, w_strb_d;

  trit_fifo #(.Width(DataEW), .Depth(DataFifoBeats)) u_data (
    .clk_i, .rst_ni,
    .in_valid_i  (data_valid_i),
    .in_ready_o  (data_ready_o),
    .in_data_i   ({strb_i, data_i}),
    .out_valid_o (dq_valid),
    .out_ready_i (dq_ready),
    .out_data_o  (dq_data),
    .count_o     (unused_dq_count)
  );

  always_comb begin
    w_next_last = (w_count_q == wl_len - 1'b1);
    w_load   = wl_valid && (abort_i || dq_valid) && (!w_valid_q || m_axi_wready_i);
    dq_ready = w_load && !abort_i;
    wl_pop   = w_load && w_next_last;
    w_count_d = w_count_q;
    w_valid_d = w_valid_q;
    w_data_d  = w_data_q;
    w_strb_d  = w_strb_q;
    w_last_d  = w_last_q;
    if (w_valid_q && m_axi_wready_i) w_valid_d = 1'b0;
    if (w_load) begin
      w_valid_d = 1'b1;
      w_data_d  = abort_i ? '0 : dq_data[DataW-1:0];
      w_strb_d  = abort_i ? '0 : dq_data[DataEW-1:DataW];
      w_last_d  = w_next_last;
      w_count_d = w_next_last ? '0 : w_count_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      w_count_q <= '0;
      w_valid_q <= 1'b0;
    end else begin
      w_count_q <= w_count_d;
      w_valid_q <= w_valid_d;
    end
  end
  always_ff @(posedge clk_i) begin
    w_data_q <= w_data_d;
    w_strb_q <= w_strb_d;
    w_last_q <= w_last_d;
  end

  assign m_axi_wvalid_o = w_valid_q;
  assign m_axi_wdata_o  = w_data_q;
  assign m_axi_wstrb_o  = w_strb_q;
  assign m_axi_wlast_o  = w_last_q;

  // ---- B ------------------------------------------------------------------------------------------
  logic [AddrW-1:0] bt_addr;
  logic             bt_last;
  logic [IdxW-1:0]  bt_idx;
  assign {bt_addr, bt_last, bt_idx} = bt_data;

  assign m_axi_bready_o = 1'b1;
  assign err_o      = m_axi_bvalid_i && m_axi_bresp_i[1];
  assign err_addr_o = bt_addr;
  assign err_idx_o  = bt_idx;
  assign done_o     = m_axi_bvalid_i && !m_axi_bresp_i[1] && bt_last;
  assign done_idx_o = bt_idx;
  assign busy_o     = aw_valid_q || (bt_count != '0) || w_valid_q;

  assign m_axi_awid_o    = '0;
  assign m_axi_awaddr_o  = aw_addr_q;
  assign m_axi_awlen_o   = aw_len_q;
  assign m_axi_awsize_o  = 3'(SizeLog2);
  assign m_axi_awburst_o = 2'b01;     // INCR
  assign m_axi_awcache_o = 4'b0011;   // normal, bufferable
  assign m_axi_awprot_o  = 3'b000;
  assign m_axi_awvalid_o = aw_valid_q;

  logic unused;
  assign unused = ^m_axi_bid_i ^ m_axi_bresp_i[0];

`ifndef SYNTHESIS
  logic             aw_hold_q, w_hold_q;
  logic [AddrW+7:0] aw_prev_q;
  logic [DataEW:0]  w_prev_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_hold_q <= 1'b0;
      w_hold_q  <= 1'b0;
      aw_prev_q <= '0;
      w_prev_q  <= '0;
    end else begin
      aw_hold_q <= m_axi_awvalid_o && !m_axi_awready_i;
      w_hold_q  <= m_axi_wvalid_o && !m_axi_wready_i;
      aw_prev_q <= {m_axi_awaddr_o, m_axi_awlen_o};
      w_prev_q  <= {m_axi_wlast_o, m_axi_wstrb_o, m_axi_wdata_o};
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (m_axi_awvalid_o) begin
        assert ({4'b0, m_axi_awaddr_o[11:0]} + ((16'(m_axi_awlen_o) + 16'd1) << SizeLog2) <= 16'h1000)
          else $error("trit_dma_wr: burst at %h, %0d beats crosses 4 KiB", m_axi_awaddr_o, m_axi_awlen_o + 1);
        assert (m_axi_awlen_o < 8'(MaxBurstBeats)) else $error("trit_dma_wr: burst longer than MaxBurstBeats");
        assert (m_axi_awaddr_o[SizeLog2-1:0] == '0) else $error("trit_dma_wr: unaligned burst address");
      end
      if (aw_hold_q) begin
        assert (m_axi_awvalid_o && {m_axi_awaddr_o, m_axi_awlen_o} == aw_prev_q)
          else $error("trit_dma_wr: AW changed while waiting for awready");
      end
      if (w_hold_q) begin
        assert (m_axi_wvalid_o && {m_axi_wlast_o, m_axi_wstrb_o, m_axi_wdata_o} == w_prev_q)
          else $error("trit_dma_wr: W changed while waiting for wready");
      end
      if (m_axi_bvalid_i) assert (bt_valid) else $error("trit_dma_wr: B response with no write outstanding");
    end
  end
`endif
endmodule
