`include "trit_regs.svh"

// Ring fetcher: reads descriptors from the command ring ahead of execution and queues them
// decoded and checked.
//
// While CTRL.ENABLE is set and the fetch index differs from RING_TAIL, it reads the descriptor
// at RING_BASE + 64 x index through the read DMA (client 0, the highest priority) and advances
// the index modulo the ring size. The queue holds Prefetch decoded descriptors; a fetch starts
// only when the queue has room for it, so up to Prefetch descriptors wait behind the running
// one and a descriptor's fetch latency hides behind the previous GEMM.
//
// The ring is checked before each fetch (BAD_RING: RING_SIZE_LOG2 outside 1..16, RING_BASE not
// 64-byte aligned or beyond the address width, RING_TAIL >= ring size). A bad ring or a
// descriptor that fails its checks is queued as an error entry in its place in the order, and
// the fetcher stops: the controller reports it once every earlier descriptor has completed.
//
// Pipeline: the request register toward the DMA, the assembly register (beats -> 64 bytes), the
// queue (decode sits between the assembly register and the queue's storage).
module trit_fetch #(
  parameter int NumCols  = 4,
  parameter int NumLanes = 4,
  parameter int BusBytes = 8,
  parameter int KMax     = 512,
  parameter int AddrW    = 32,
  parameter int IdxW     = 16,
  parameter int ReqBeatsW = 16,
  parameter int UserW    = 4,
  parameter int Prefetch = 2,
  localparam int ChunksW    = trit_pkg::chunks_w(KMax, NumLanes),
  localparam int TileBeatsW = trit_pkg::tile_beats_w(KMax, NumCols, NumLanes, BusBytes),
  localparam int ActBeatsW  = trit_pkg::act_beats_w(KMax, BusBytes),
  localparam int PadW       = $clog2(BusBytes),
  localparam int DataW      = BusBytes << 3
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // ring registers
  input  logic                  enable_i,
  input  logic [63:0]           ring_base_i,
  input  logic [31:0]           ring_size_log2_i,
  input  logic [31:0]           ring_tail_i,
  output logic [IdxW-1:0]       fetch_idx_o,
  // read DMA, client 0
  output logic                  req_valid_o,
  input  logic                  req_ready_i,
  output logic [AddrW-1:0]      req_addr_o,
  output logic [ReqBeatsW-1:0]  req_beats_o,
  output logic [UserW-1:0]      req_user_o,
  output logic [IdxW-1:0]       req_idx_o,
  input  logic                  rsp_valid_i,
  input  logic [DataW-1:0]      rsp_data_i,
  input  logic                  rsp_last_i,
  input  logic [UserW-1:0]      rsp_user_i,
  // decoded descriptors
  output logic                  dq_valid_o,
  input  logic                  dq_ready_i,
  output logic [3:0]            dq_err_o,
  output logic [IdxW-1:0]       dq_idx_o,
  output logic                  dq_fmt_o,
  output logic                  dq_irq_o,
  output logic [31:0]           dq_m_o,
  output logic [31:0]           dq_n_o,
  output logic [31:0]           dq_tag_o,
  output logic [AddrW-1:0]      dq_x_addr_o,
  output logic [AddrW-1:0]      dq_w_addr_o,
  output logic [AddrW-1:0]      dq_y_addr_o,
  output logic [31:0]           dq_x_stride_o,
  output logic [31:0]           dq_y_stride_o,
  output logic [ChunksW-1:0]    dq_n_chunks_o,
  output logic [TileBeatsW-1:0] dq_tile_beats_o,
  output logic [PadW-1:0]       dq_pad_o,
  output logic [ActBeatsW-1:0]  dq_act_beats_o
);
  localparam int BLog2     = $clog2(BusBytes);
  localparam int DescBeats = (BusBytes >= 64) ? 1 : trit_pkg::div(64, BusBytes);
  localparam int SlotW     = (BusBytes > 64) ? $clog2(trit_pkg::div(BusBytes, 64)) : 1;
  localparam int EntryW    = 4 + IdxW + 2 + 96 + AddrW + AddrW + AddrW + 64 + ChunksW + TileBeatsW + PadW + ActBeatsW;
  localparam int CountW    = $clog2(Prefetch + 1);

  // ---- ring state ------------------------------------------------------------------------------
  logic [IdxW-1:0]   idx_q, idx_d;
  logic              stopped_q, stopped_d;
  logic              inflight_q, inflight_d;   // a fetch requested and not yet queued
  logic              req_valid_q, req_valid_d;
  logic [AddrW-1:0]  req_addr_q, req_addr_d;
  logic [UserW-1:0]  req_user_q, req_user_d;
  logic [IdxW-1:0]   req_idx_q, req_idx_d;
  logic [511:0]      asm_q, asm_d;
  logic              asm_full_q, asm_full_d;
  logic [IdxW-1:0]   asm_idx_q, asm_idx_d;
  logic              q_in_ready, q_in_valid;
  logic [EntryW-1:0] q_in, q_out;
  logic [CountW-1:0] q_count;
  logic              ring_ok, want, room, push_bad_ring;
  logic [16:0]       ring_size;
  logic [IdxW-1:0]   idx_mask;
  logic [AddrW-1:0]  slot_addr;
  logic [UserW-1:0]  slot_user;
  logic [511:0]      asm_next;

  always_comb begin
    ring_size = 17'd1 << ring_size_log2_i[4:0];
    idx_mask  = IdxW'(ring_size - 17'd1);
    ring_ok   = (ring_size_log2_i >= 32'd1) && (ring_size_log2_i <= 32'd16) &&
                (ring_base_i[5:0] == '0) && ((ring_base_i >> AddrW) == 64'd0) &&
                (ring_tail_i < {15'd0, ring_size});
    // Room: queue entries plus the fetch in flight stay within Prefetch.
    room = ({1'b0, q_count} + (CountW + 1)'(inflight_q) < (CountW + 1)'(Prefetch));
    want = enable_i && !stopped_q && !inflight_q && room && ({{(32 - IdxW){1'b0}}, idx_q} != ring_tail_i);
    push_bad_ring = want && !ring_ok;
    slot_addr = ring_base_i[AddrW-1:0] + (AddrW'(idx_q) << 6);
  end

  always_comb begin
    idx_d       = idx_q;
    stopped_d   = stopped_q;
    inflight_d  = inflight_q;
    req_valid_d = req_valid_q;
    req_addr_d  = req_addr_q;
    req_user_d  = req_user_q;
    req_idx_d   = req_idx_q;
    asm_d       = asm_q;
    asm_full_d  = asm_full_q;
    asm_idx_d   = asm_idx_q;

    if (req_valid_q && req_ready_i) req_valid_d = 1'b0;
    if (want && ring_ok) begin
      inflight_d  = 1'b1;
      req_valid_d = 1'b1;
      req_addr_d  = {slot_addr[AddrW-1:BLog2], {BLog2{1'b0}}};
      req_user_d  = slot_user;
      req_idx_d   = idx_q;
      asm_idx_d   = idx_q;
      idx_d       = (idx_q + 1'b1) & idx_mask;
    end
    if (push_bad_ring) stopped_d = 1'b1;

    if (rsp_valid_i) begin
      asm_d = asm_next;
      if (rsp_last_i) asm_full_d = 1'b1;
    end
    if (asm_full_q) begin
      // Queue the decoded descriptor (room was reserved when its fetch started).
      asm_full_d = 1'b0;
      inflight_d = 1'b0;
      if (q_in[EntryW-1 -: 4] != 4'(`TRIT_ERR_CODE_NONE)) stopped_d = 1'b1;
    end
  end

  // Assemble the 64 bytes: beats enter at the top and shift down (B < 64), the beat is the
  // descriptor (B = 64), or the 64-byte slot of a wide beat is picked (B > 64; the slot travels
  // as the request's user bits).
  if (BusBytes > 64) begin : g_wide
    assign slot_user = UserW'(slot_addr[BLog2-1:6]);
    assign asm_next  = 512'(rsp_data_i >> {rsp_user_i[SlotW-1:0], 9'b0});
  end else if (BusBytes == 64) begin : g_exact
    assign slot_user = '0;
    assign asm_next  = rsp_data_i;
  end else begin : g_narrow
    assign slot_user = '0;
    assign asm_next  = {rsp_data_i, asm_q[511:DataW]};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      idx_q       <= '0;
      stopped_q   <= 1'b0;
      inflight_q  <= 1'b0;
      req_valid_q <= 1'b0;
      asm_full_q  <= 1'b0;
    end else begin
      idx_q       <= idx_d;
      stopped_q   <= stopped_d;
      inflight_q  <= inflight_d;
      req_valid_q <= req_valid_d;
      asm_full_q  <= asm_full_d;
    end
  end
  always_ff @(posedge clk_i) begin
    req_addr_q <= req_addr_d;
    req_user_q <= req_user_d;
    req_idx_q  <= req_idx_d;
    asm_q      <= asm_d;
    asm_idx_q  <= asm_idx_d;
  end

  assign fetch_idx_o = idx_q;
  assign req_valid_o = req_valid_q;
  assign req_addr_o  = req_addr_q;
  assign req_beats_o = ReqBeatsW'(DescBeats);
  assign req_user_o  = req_user_q;
  assign req_idx_o   = req_idx_q;

  // ---- decode and queue --------------------------------------------------------------------------
  logic [3:0]            d_err;
  logic                  d_fmt, d_irq;
  logic [31:0]           d_m, d_n, d_tag, d_x_stride, d_y_stride;
  logic [AddrW-1:0]      d_x_addr, d_w_addr, d_y_addr;
  logic [ChunksW-1:0]    d_chunks;
  logic [TileBeatsW-1:0] d_tile_beats;
  logic [PadW-1:0]       d_pad;
  logic [ActBeatsW-1:0]  d_act_beats;

  trit_desc_decode #(
    .NumCols(NumCols), .NumLanes(NumLanes), .BusBytes(BusBytes), .KMax(KMax), .AddrW(AddrW)
  ) u_decode (
    .desc_i       (asm_q),
    .err_o        (d_err),
    .fmt_o        (d_fmt),
    .irq_o        (d_irq),
    .m_o          (d_m),
    .n_o          (d_n),
    .tag_o        (d_tag),
    .x_addr_o     (d_x_addr),
    .w_addr_o     (d_w_addr),
    .y_addr_o     (d_y_addr),
    .x_stride_o   (d_x_stride),
    .y_stride_o   (d_y_stride),
    .n_chunks_o   (d_chunks),
    .tile_beats_o (d_tile_beats),
    .pad_o        (d_pad),
    .act_beats_o  (d_act_beats)
  );

  always_comb begin
    q_in_valid = asm_full_q || push_bad_ring;
    q_in = {d_err, asm_idx_q, d_fmt, d_irq, d_m, d_n, d_tag, d_x_addr, d_w_addr, d_y_addr,
            d_x_stride, d_y_stride, d_chunks, d_tile_beats, d_pad, d_act_beats};
    if (push_bad_ring) begin
      q_in[EntryW-1 -: 4]          = 4'(`TRIT_ERR_CODE_BAD_RING);
      q_in[EntryW-5 -: IdxW]       = idx_q;
    end
  end

  trit_fifo #(.Width(EntryW), .Depth(Prefetch)) u_queue (
    .clk_i, .rst_ni,
    .in_valid_i  (q_in_valid),
    .in_ready_o  (q_in_ready),
    .in_data_i   (q_in),
    .out_valid_o (dq_valid_o),
    .out_ready_i (dq_ready_i),
    .out_data_o  (q_out),
    .count_o     (q_count)
  );
  assign {dq_err_o, dq_idx_o, dq_fmt_o, dq_irq_o, dq_m_o, dq_n_o, dq_tag_o, dq_x_addr_o, dq_w_addr_o,
          dq_y_addr_o, dq_x_stride_o, dq_y_stride_o, dq_n_chunks_o, dq_tile_beats_o, dq_pad_o,
          dq_act_beats_o} = q_out;

  logic unused;
  assign unused = ^ring_size_log2_i[31:5] ^ ^rsp_user_i ^ ^slot_addr[5:0];

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && q_in_valid) assert (q_in_ready) else $error("trit_fetch: descriptor queue overflow");
    if (rst_ni) assert (!(asm_full_q && push_bad_ring)) else $error("trit_fetch: two queue pushes");
  end
`endif
endmodule
