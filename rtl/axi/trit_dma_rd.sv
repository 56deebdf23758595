// Read DMA: one AXI4 read master (one ID, in order) shared by NumClients clients in fixed
// priority (client 0 highest: descriptor fetch, then activations, then the weight stream).
//
// A client hands over a request {addr, beats, user, idx} (beat-aligned address, any length) and
// gets the beats back in order, each with the request's user bits and a flag on the request's
// last beat. The DMA cuts requests into INCR bursts of at most MaxBurstBeats beats that never
// cross a 4 KiB boundary, keeps up to MaxReadsInFlight bursts outstanding, and remembers per
// burst (tag FIFO) whom its data belongs to. R is never back-pressured (rready is tied high):
// every client either always accepts (descriptor, activation buffer) or holds credits: the
// credit client (the weight FIFO) gets a burst issued only when it has room for all of it, and
// returns one credit per beat it frees.
//
// An error response (SLVERR/DECERR) on any beat is reported with the burst's address and the
// idx of the request it belonged to. abort_i stops new bursts (a burst already presented on AR
// completes, AXI requires it); busy_o stays high until every outstanding burst has returned.
//
// Pipeline: client request registers (cut: clients -> burst logic), the AR register (cut:
// burst selection -> AXI). The R path is combinational from the AXI inputs to the clients, which
// register it.
module trit_dma_rd #(
  parameter int AddrW            = 32,
  parameter int DataW            = 64,
  parameter int IdW              = 4,
  parameter int MaxBurstBeats    = 16,
  parameter int MaxReadsInFlight = 4,
  parameter int NumClients       = 3,
  parameter int BeatsW           = 16,   // request length field
  parameter int UserW            = 4,
  parameter int IdxW             = 16,
  parameter int CreditClient     = 2,    // the client with credits
  parameter int CreditBeats      = 64,   // its buffer size in beats
  localparam int BusBytes = DataW >> 3,
  localparam int SizeLog2 = $clog2(BusBytes),
  localparam int ClientW  = (NumClients > 1) ? $clog2(NumClients) : 1
) (
  input  logic                                         clk_i,
  input  logic                                         rst_ni,
  input  logic                                         abort_i,
  // requests, client c at [c*W +: W]
  input  logic [NumClients-1:0]                        req_valid_i,
  output logic [NumClients-1:0]                        req_ready_o,
  input  logic [trit_pkg::mul(NumClients, AddrW)-1:0]  req_addr_i,
  input  logic [trit_pkg::mul(NumClients, BeatsW)-1:0] req_beats_i,
  input  logic [trit_pkg::mul(NumClients, UserW)-1:0]  req_user_i,
  input  logic [trit_pkg::mul(NumClients, IdxW)-1:0]   req_idx_i,
  input  logic                                         credit_i,
  // returned beats: rsp_valid_o[c] for client c
  output logic [NumClients-1:0]                        rsp_valid_o,
  output logic [DataW-1:0]                             rsp_data_o,
  output logic                                         rsp_last_o,
  output logic [UserW-1:0]                             rsp_user_o,
  // error report (pulse; first one matters to the controller)
  output logic                                         err_o,
  output logic [AddrW-1:0]                             err_addr_o,
  output logic [IdxW-1:0]                              err_idx_o,
  output logic                                         busy_o,
  // AXI4 read channels
  output logic [IdW-1:0]                               m_axi_arid_o,
  output logic [AddrW-1:0]                             m_axi_araddr_o,
  output logic [7:0]                                   m_axi_arlen_o,
  output logic [2:0]                                   m_axi_arsize_o,
  output logic [1:0]                                   m_axi_arburst_o,
  output logic [3:0]                                   m_axi_arcache_o,
  output logic [2:0]                                   m_axi_arprot_o,
  output logic                                         m_axi_arvalid_o,
  input  logic                                         m_axi_arready_i,
  input  logic [IdW-1:0]                               m_axi_rid_i,
  input  logic [DataW-1:0]                             m_axi_rdata_i,
  input  logic [1:0]                                   m_axi_rresp_i,
  input  logic                                         m_axi_rlast_i,
  input  logic                                         m_axi_rvalid_i,
  output logic                                         m_axi_rready_o
);
  localparam int LenW     = $clog2(MaxBurstBeats + 1);
  localparam int CreditW  = $clog2(CreditBeats + 1);
  // Tag of an outstanding burst: {client, user, last of request, address, idx, length}.
  localparam int TagW     = ClientW + UserW + 1 + AddrW + IdxW + LenW;

  // Per-client view of the next burst, flattened (client c at [c*W +: W]).
  logic [NumClients-1:0]                        cl_eligible, cl_final;
  logic [trit_pkg::mul(NumClients, AddrW)-1:0]  cl_addr;
  logic [trit_pkg::mul(NumClients, LenW)-1:0]   cl_len;
  logic [trit_pkg::mul(NumClients, UserW)-1:0]  cl_user;
  logic [trit_pkg::mul(NumClients, IdxW)-1:0]   cl_idx;
  logic [CreditW-1:0]    credit_q, credit_d;

  // AR register, tag FIFO, winner.
  logic                  ar_valid_q, ar_valid_d;
  logic [AddrW-1:0]      ar_addr_q, ar_addr_d;
  logic [7:0]            ar_len_q, ar_len_d;
  logic                  tag_in_ready, tag_out_valid;
  logic [TagW-1:0]       tag_in, tag_out;
  logic [$clog2(MaxReadsInFlight + 1)-1:0] tag_count;
  logic                  issue, r_beat, r_done;
  logic [ClientW-1:0]    win;
  logic                  win_valid;
  logic [AddrW-1:0]      win_addr;
  logic [LenW-1:0]       win_len;
  logic [UserW-1:0]      win_user;
  logic [IdxW-1:0]       win_idx;
  logic                  win_final;

  // ---- client request registers ---------------------------------------------------------------
  for (genvar c = 0; c < NumClients; c++) begin : g_client
    logic                valid_q, valid_d;
    logic [AddrW-1:0]    addr_q, addr_d;
    logic [BeatsW-1:0]   beats_q, beats_d;
    logic [UserW-1:0]    user_q, user_d;
    logic [IdxW-1:0]     idx_q, idx_d;
    logic [LenW-1:0]     len;
    logic                last_burst;
    logic                mine;

    // A new request may follow the last burst of the previous one in the same cycle.
    assign mine = issue && (win == ClientW'(c));
    assign req_ready_o[c] = !valid_q || (mine && cl_final[c]);

    // Next burst: min(remaining, MaxBurstBeats, beats to the 4 KiB boundary).
    trit_burst_len #(
      .AddrW(AddrW), .BusBytes(BusBytes), .MaxBurstBeats(MaxBurstBeats), .BeatsW(BeatsW)
    ) u_len (
      .addr_i (addr_q), .beats_i (beats_q), .len_o (len), .final_o (last_burst)
    );
    assign cl_len[trit_pkg::mul(c, LenW) +: LenW]    = len;
    assign cl_final[c]                               = last_burst;
    assign cl_addr[trit_pkg::mul(c, AddrW) +: AddrW] = addr_q;
    assign cl_user[trit_pkg::mul(c, UserW) +: UserW] = user_q;
    assign cl_idx[trit_pkg::mul(c, IdxW) +: IdxW]    = idx_q;
    if (c == CreditClient) begin : g_credit
      assign cl_eligible[c] = valid_q && ({1'b0, credit_q} >= (CreditW + 1)'(len));
    end else begin : g_free
      assign cl_eligible[c] = valid_q;
    end

    always_comb begin
      valid_d = valid_q;
      addr_d  = addr_q;
      beats_d = beats_q;
      user_d  = user_q;
      idx_d   = idx_q;
      if (mine) begin
        addr_d  = addr_q + (AddrW'(len) << SizeLog2);
        beats_d = beats_q - BeatsW'(len);
        if (cl_final[c]) valid_d = 1'b0;
      end
      if (req_valid_i[c] && req_ready_o[c]) begin
        valid_d = (req_beats_i[trit_pkg::mul(c, BeatsW) +: BeatsW] != '0);
        addr_d  = req_addr_i[trit_pkg::mul(c, AddrW) +: AddrW];
        beats_d = req_beats_i[trit_pkg::mul(c, BeatsW) +: BeatsW];
        user_d  = req_user_i[trit_pkg::mul(c, UserW) +: UserW];
        idx_d   = req_idx_i[trit_pkg::mul(c, IdxW) +: IdxW];
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) valid_q <= 1'b0;
      else         valid_q <= valid_d;
    end
    always_ff @(posedge clk_i) begin
      addr_q  <= addr_d;
      beats_q <= beats_d;
      user_q  <= user_d;
      idx_q   <= idx_d;
    end
  end

  // ---- arbitration: fixed priority, lowest client number first ---------------------------------
  always_comb begin
    win = '0;
    win_valid = 1'b0;
    win_addr  = cl_addr[AddrW-1:0];
    win_len   = cl_len[LenW-1:0];
    win_user  = cl_user[UserW-1:0];
    win_idx   = cl_idx[IdxW-1:0];
    win_final = cl_final[0];
    for (int c = NumClients - 1; c >= 0; c--) begin
      if (cl_eligible[c]) begin
        win = ClientW'(c);
        win_valid = 1'b1;
        win_addr  = cl_addr[trit_pkg::mul(c, AddrW) +: AddrW];
        win_len   = cl_len[trit_pkg::mul(c, LenW) +: LenW];
        win_user  = cl_user[trit_pkg::mul(c, UserW) +: UserW];
        win_idx   = cl_idx[trit_pkg::mul(c, IdxW) +: IdxW];
        win_final = cl_final[c];
      end
    end
  end

  assign issue  = win_valid && !abort_i && tag_in_ready && (!ar_valid_q || m_axi_arready_i);
  assign tag_in = {win, win_user, win_final, win_addr, win_idx, win_len};

  always_comb begin
    ar_valid_d = ar_valid_q;
    ar_addr_d  = ar_addr_q;
    ar_len_d   = ar_len_q;
    if (ar_valid_q && m_axi_arready_i) ar_valid_d = 1'b0;
    if (issue) begin
      ar_valid_d = 1'b1;
      ar_addr_d  = win_addr;
      ar_len_d   = 8'(win_len) - 8'd1;
    end
    credit_d = credit_q;
    if (issue && win == ClientW'(CreditClient)) credit_d = credit_d - CreditW'(win_len);
    if (credit_i) credit_d = credit_d + 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_valid_q <= 1'b0;
      credit_q   <= CreditW'(CreditBeats);
    end else begin
      ar_valid_q <= ar_valid_d;
      credit_q   <= credit_d;
    end
  end
  always_ff @(posedge clk_i) begin
    ar_addr_q <= ar_addr_d;
    ar_len_q  <= ar_len_d;
  end

  trit_fifo #(.Width(TagW), .Depth(MaxReadsInFlight)) u_tags (
    .clk_i, .rst_ni,
    .in_valid_i  (issue),
    .in_ready_o  (tag_in_ready),
    .in_data_i   (tag_in),
    .out_valid_o (tag_out_valid),
    .out_ready_i (r_done),
    .out_data_o  (tag_out),
    .count_o     (tag_count)
  );

  // ---- R: route by the oldest tag ---------------------------------------------------------------
  logic [ClientW-1:0] t_client;
  logic [UserW-1:0]   t_user;
  logic               t_last;
  logic [AddrW-1:0]   t_addr;
  logic [IdxW-1:0]    t_idx;
  logic [LenW-1:0]    t_len;
  assign {t_client, t_user, t_last, t_addr, t_idx, t_len} = tag_out;

  assign r_beat = m_axi_rvalid_i;   // rready is always high
  assign r_done = r_beat && m_axi_rlast_i;

  always_comb begin
    for (int c = 0; c < NumClients; c++) rsp_valid_o[c] = r_beat && (t_client == ClientW'(c));
  end
  assign rsp_data_o = m_axi_rdata_i;
  assign rsp_last_o = m_axi_rlast_i && t_last;
  assign rsp_user_o = t_user;

  assign err_o      = r_beat && m_axi_rresp_i[1];
  assign err_addr_o = t_addr;
  assign err_idx_o  = t_idx;
  assign busy_o     = ar_valid_q || (tag_count != '0);

  assign m_axi_arid_o    = '0;
  assign m_axi_araddr_o  = ar_addr_q;
  assign m_axi_arlen_o   = ar_len_q;
  assign m_axi_arsize_o  = 3'(SizeLog2);
  assign m_axi_arburst_o = 2'b01;     // INCR
  assign m_axi_arcache_o = 4'b0011;   // normal, bufferable
  assign m_axi_arprot_o  = 3'b000;
  assign m_axi_arvalid_o = ar_valid_q;
  assign m_axi_rready_o  = 1'b1;

  logic unused;
  assign unused = ^m_axi_rid_i ^ m_axi_rresp_i[0];

`ifndef SYNTHESIS
  // Beats of the current burst, for the rlast check.
  logic [LenW-1:0] r_count_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) r_count_q <= '0;
    else if (r_beat) r_count_q <= m_axi_rlast_i ? '0 : r_count_q + 1'b1;
  end
  logic             ar_hold_q;
  logic [AddrW+7:0] ar_prev_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_hold_q <= 1'b0;
      ar_prev_q <= '0;
    end else begin
      ar_hold_q <= m_axi_arvalid_o && !m_axi_arready_i;
      ar_prev_q <= {m_axi_araddr_o, m_axi_arlen_o};
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (m_axi_arvalid_o) begin
        assert ({4'b0, m_axi_araddr_o[11:0]} + ((16'(m_axi_arlen_o) + 16'd1) << SizeLog2) <= 16'h1000)
          else $error("trit_dma_rd: burst at %h, %0d beats crosses 4 KiB", m_axi_araddr_o, m_axi_arlen_o + 1);
        assert (m_axi_arlen_o < 8'(MaxBurstBeats)) else $error("trit_dma_rd: burst longer than MaxBurstBeats");
        assert (m_axi_araddr_o[SizeLog2-1:0] == '0) else $error("trit_dma_rd: unaligned burst address");
      end
      if (ar_hold_q) begin
        assert (m_axi_arvalid_o && {m_axi_araddr_o, m_axi_arlen_o} == ar_prev_q)
          else $error("trit_dma_rd: AR changed while waiting for arready");
      end
      if (r_beat) begin
        assert (tag_out_valid) else $error("trit_dma_rd: R beat with no read outstanding");
        assert (m_axi_rlast_i == (r_count_q == t_len - 1'b1))
          else $error("trit_dma_rd: rlast at beat %0d of a %0d-beat burst", r_count_q + 1, t_len);
      end
      assert (credit_q <= CreditW'(CreditBeats)) else $error("trit_dma_rd: credit overflow");
    end
  end
`endif
endmodule
