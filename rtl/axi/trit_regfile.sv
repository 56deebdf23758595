`include "trit_regs.svh"

// Control/status registers behind an AXI4-Lite slave (layout: rtl/regmap.yaml, generated
// trit_regs.svh; no offset literal here).
//
// AXI4-Lite: AW and W are taken independently (any order, same cycle or not) into holding
// registers; the write happens once both are in and the previous B has been taken. One read at
// a time: AR is answered in the next cycle. Every access answers OKAY: reads of unmapped offsets
// return 0, writes to read-only registers and unmapped offsets are ignored. Byte strobes apply to
// read/write registers.
//
// 64-bit counters are LO/HI pairs: reading LO returns the low half and snapshots the high half
// of that counter, which HI then returns, so LO-then-HI is coherent.
//
// All AXI outputs and irq_o come from flops.
module trit_regfile #(
  parameter int NumRows       = 2,
  parameter int NumCols       = 4,
  parameter int NumLanes      = 4,
  parameter int BusBytes      = 8,
  parameter int KMax          = 512,
  parameter int AddrW         = 32,
  parameter int MaxBurstBeats = 16,
  parameter int ClockKhz      = 0,
  localparam int NumCounters  = `TRIT_NUM_COUNTERS   // the register map's 64-bit counters
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // AXI4-Lite slave
  input  logic [11:0]                   s_axil_awaddr_i,
  input  logic                          s_axil_awvalid_i,
  output logic                          s_axil_awready_o,
  input  logic [31:0]                   s_axil_wdata_i,
  input  logic [3:0]                    s_axil_wstrb_i,
  input  logic                          s_axil_wvalid_i,
  output logic                          s_axil_wready_o,
  output logic [1:0]                    s_axil_bresp_o,
  output logic                          s_axil_bvalid_o,
  input  logic                          s_axil_bready_i,
  input  logic [11:0]                   s_axil_araddr_i,
  input  logic                          s_axil_arvalid_i,
  output logic                          s_axil_arready_o,
  output logic [31:0]                   s_axil_rdata_o,
  output logic [1:0]                    s_axil_rresp_o,
  output logic                          s_axil_rvalid_o,
  input  logic                          s_axil_rready_i,
  // control
  output logic                          enable_o,
  output logic                          soft_reset_o,     // pulse: CTRL.SOFT_RESET written 1
  output logic                          cnt_clear_o,      // pulse: CTRL.CNT_CLEAR written 1
  output logic [63:0]                   ring_base_o,
  output logic [31:0]                   ring_size_log2_o,
  output logic [31:0]                   ring_tail_o,
  // status
  input  logic                          busy_i,
  input  logic                          halted_i,
  input  logic                          resetting_i,
  input  logic [3:0]                    err_code_i,
  input  logic [15:0]                   err_index_i,
  input  logic [63:0]                   err_addr_i,
  input  logic [15:0]                   ring_head_i,
  input  logic [31:0]                   done_count_i,
  input  logic [31:0]                   last_tag_i,
  input  logic                          ring_clear_i,     // soft reset done: RING_TAIL = 0
  input  logic [2:0]                    irq_set_i,        // {RESET_DONE, ERROR, DONE} events
  input  logic [(NumCounters << 6)-1:0] counters_i,
  output logic                          irq_o
);
  // Counter LO/HI offsets in register-map order (counter i at bits [12 i +: 12]).
  localparam logic [trit_pkg::mul(NumCounters, 12)-1:0] CntLo = `TRIT_CNT_LO_OFFSETS;
  localparam logic [trit_pkg::mul(NumCounters, 12)-1:0] CntHi = `TRIT_CNT_HI_OFFSETS;
  localparam logic [31:0] Formats = (32'd1 << `TRIT_WEIGHT_FORMAT_T2) | (32'd1 << `TRIT_WEIGHT_FORMAT_T5);

  // ---- write channel ---------------------------------------------------------------------------
  logic        aw_full_q, aw_full_d, w_full_q, w_full_d, b_valid_q, b_valid_d;
  logic [11:0] aw_addr_q, aw_addr_d;
  logic [31:0] w_data_q, w_data_d;
  logic [3:0]  w_strb_q, w_strb_d;
  logic        do_write;
  logic [31:0] wmask;

  // ---- registers ---------------------------------------------------------------------------------
  logic        enable_q, enable_d;
  logic [31:0] scratch_q, scratch_d, base_lo_q, base_lo_d, base_hi_q, base_hi_d;
  logic [31:0] size_log2_q, size_log2_d, tail_q, tail_d;
  logic [2:0]  irq_status_q, irq_status_d, irq_enable_q, irq_enable_d;
  logic        soft_reset_d, soft_reset_q, cnt_clear_d, cnt_clear_q, irq_q;

  assign s_axil_awready_o = !aw_full_q;
  assign s_axil_wready_o  = !w_full_q;
  assign do_write = aw_full_q && w_full_q && !b_valid_q;
  assign wmask = {{8{w_strb_q[3]}}, {8{w_strb_q[2]}}, {8{w_strb_q[1]}}, {8{w_strb_q[0]}}};

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data,
                                         input logic [31:0] mask);
    merge = (old & ~mask) | (data & mask);
  endfunction

  always_comb begin
    aw_full_d = aw_full_q;
    aw_addr_d = aw_addr_q;
    w_full_d  = w_full_q;
    w_data_d  = w_data_q;
    w_strb_d  = w_strb_q;
    b_valid_d = b_valid_q;
    if (s_axil_awvalid_i && s_axil_awready_o) begin
      aw_full_d = 1'b1;
      aw_addr_d = s_axil_awaddr_i;
    end
    if (s_axil_wvalid_i && s_axil_wready_o) begin
      w_full_d = 1'b1;
      w_data_d = s_axil_wdata_i;
      w_strb_d = s_axil_wstrb_i;
    end
    if (b_valid_q && s_axil_bready_i) b_valid_d = 1'b0;
    if (do_write) begin
      aw_full_d = 1'b0;
      w_full_d  = 1'b0;
      b_valid_d = 1'b1;
    end

    enable_d     = enable_q;
    scratch_d    = scratch_q;
    base_lo_d    = base_lo_q;
    base_hi_d    = base_hi_q;
    size_log2_d  = size_log2_q;
    tail_d       = tail_q;
    irq_enable_d = irq_enable_q;
    irq_status_d = irq_status_q;
    soft_reset_d = 1'b0;
    cnt_clear_d  = 1'b0;
    if (do_write) begin
      unique case ({aw_addr_q[11:2], 2'b00})
        `TRIT_REG_SCRATCH:        scratch_d   = merge(scratch_q, w_data_q, wmask);
        `TRIT_REG_RING_BASE_LO:   base_lo_d   = merge(base_lo_q, w_data_q, wmask);
        `TRIT_REG_RING_BASE_HI:   base_hi_d   = merge(base_hi_q, w_data_q, wmask);
        `TRIT_REG_RING_SIZE_LOG2: size_log2_d = merge(size_log2_q, w_data_q, wmask);
        `TRIT_REG_RING_TAIL:      tail_d      = merge(tail_q, w_data_q, wmask);
        `TRIT_REG_IRQ_ENABLE:     if (w_strb_q[0]) irq_enable_d = w_data_q[2:0];
        `TRIT_REG_IRQ_STATUS:     if (w_strb_q[0]) irq_status_d = irq_status_q & ~w_data_q[2:0];
        `TRIT_REG_CTRL: begin
          if (w_strb_q[0]) begin
            enable_d     = w_data_q[`TRIT_CTRL_ENABLE_LSB];
            soft_reset_d = w_data_q[`TRIT_CTRL_SOFT_RESET_LSB];
            cnt_clear_d  = w_data_q[`TRIT_CTRL_CNT_CLEAR_LSB];
          end
        end
        default: ;
      endcase
    end
    // Events win over a simultaneous clear.
    irq_status_d = irq_status_d | irq_set_i;
    if (ring_clear_i) tail_d = '0;
  end

  // ---- read channel ------------------------------------------------------------------------------
  logic        r_valid_q, r_valid_d;
  logic [31:0] r_data_q, r_data_d;
  logic [(NumCounters << 5)-1:0] snap_q, snap_d;   // counter i's high half at bits [32 i +: 32]
  logic        ar_hs;
  logic [11:0] raddr;

  assign s_axil_arready_o = !r_valid_q;
  assign ar_hs = s_axil_arvalid_i && s_axil_arready_o;
  assign raddr = {s_axil_araddr_i[11:2], 2'b00};

  always_comb begin
    r_valid_d = r_valid_q;
    r_data_d  = r_data_q;
    snap_d    = snap_q;
    if (r_valid_q && s_axil_rready_i) r_valid_d = 1'b0;
    if (ar_hs) begin
      r_valid_d = 1'b1;
      r_data_d  = '0;   // unmapped offsets read 0
      unique case (raddr)
        `TRIT_REG_ID:             r_data_d = `TRIT_ID_MAGIC;
        `TRIT_REG_VERSION:        r_data_d = (32'(`TRIT_VERSION_MAJOR) << `TRIT_VERSION_MAJOR_LSB) |
                                             (32'(`TRIT_VERSION_MINOR) << `TRIT_VERSION_MINOR_LSB);
        `TRIT_REG_CFG_ROWS:       r_data_d = 32'(NumRows);
        `TRIT_REG_CFG_COLS:       r_data_d = 32'(NumCols);
        `TRIT_REG_CFG_LANES:      r_data_d = 32'(NumLanes);
        `TRIT_REG_CFG_BUS_BYTES:  r_data_d = 32'(BusBytes);
        `TRIT_REG_CFG_K_MAX:      r_data_d = 32'(KMax);
        `TRIT_REG_CFG_ADDR_BITS:  r_data_d = 32'(AddrW);
        `TRIT_REG_CFG_FORMATS:    r_data_d = Formats;
        `TRIT_REG_CFG_CLOCK_KHZ:  r_data_d = 32'(ClockKhz);
        `TRIT_REG_CFG_MAX_BURST:  r_data_d = 32'(MaxBurstBeats);
        `TRIT_REG_SCRATCH:        r_data_d = scratch_q;
        `TRIT_REG_CTRL:           r_data_d = (32'(enable_q) << `TRIT_CTRL_ENABLE_LSB) |
                                             (32'(resetting_i) << `TRIT_CTRL_SOFT_RESET_LSB);
        `TRIT_REG_STATUS:         r_data_d = (32'(busy_i) << `TRIT_STATUS_BUSY_LSB) |
                                             (32'(halted_i) << `TRIT_STATUS_HALTED_LSB) |
                                             (32'(resetting_i) << `TRIT_STATUS_RESETTING_LSB);
        `TRIT_REG_ERR_CODE:       r_data_d = 32'(err_code_i);
        `TRIT_REG_ERR_INDEX:      r_data_d = 32'(err_index_i);
        `TRIT_REG_ERR_ADDR_LO:    r_data_d = err_addr_i[31:0];
        `TRIT_REG_ERR_ADDR_HI:    r_data_d = err_addr_i[63:32];
        `TRIT_REG_IRQ_STATUS:     r_data_d = 32'(irq_status_q);
        `TRIT_REG_IRQ_ENABLE:     r_data_d = 32'(irq_enable_q);
        `TRIT_REG_RING_BASE_LO:   r_data_d = base_lo_q;
        `TRIT_REG_RING_BASE_HI:   r_data_d = base_hi_q;
        `TRIT_REG_RING_SIZE_LOG2: r_data_d = size_log2_q;
        `TRIT_REG_RING_HEAD:      r_data_d = 32'(ring_head_i);
        `TRIT_REG_RING_TAIL:      r_data_d = tail_q;
        `TRIT_REG_DONE_COUNT:     r_data_d = done_count_i;
        `TRIT_REG_LAST_TAG:       r_data_d = last_tag_i;
        default: ;
      endcase
      for (int i = 0; i < NumCounters; i++) begin
        if (raddr == CntLo[trit_pkg::mul(i, 12) +: 12]) begin
          r_data_d  = counters_i[(i << 6) +: 32];
          snap_d[(i << 5) +: 32] = counters_i[((i << 6) + 32) +: 32];
        end
        if (raddr == CntHi[trit_pkg::mul(i, 12) +: 12]) r_data_d = snap_q[(i << 5) +: 32];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_full_q    <= 1'b0;
      w_full_q     <= 1'b0;
      b_valid_q    <= 1'b0;
      r_valid_q    <= 1'b0;
      enable_q     <= 1'b0;
      scratch_q    <= '0;
      base_lo_q    <= '0;
      base_hi_q    <= '0;
      size_log2_q  <= '0;
      tail_q       <= '0;
      irq_enable_q <= '0;
      irq_status_q <= '0;
      soft_reset_q <= 1'b0;
      cnt_clear_q  <= 1'b0;
      irq_q        <= 1'b0;
      r_data_q     <= '0;
      snap_q       <= '0;
    end else begin
      aw_full_q    <= aw_full_d;
      w_full_q     <= w_full_d;
      b_valid_q    <= b_valid_d;
      r_valid_q    <= r_valid_d;
      enable_q     <= enable_d;
      scratch_q    <= scratch_d;
      base_lo_q    <= base_lo_d;
      base_hi_q    <= base_hi_d;
      size_log2_q  <= size_log2_d;
      tail_q       <= tail_d;
      irq_enable_q <= irq_enable_d;
      irq_status_q <= irq_status_d;
      soft_reset_q <= soft_reset_d;
      cnt_clear_q  <= cnt_clear_d;
      irq_q        <= |(irq_status_d & irq_enable_d);
      r_data_q     <= r_data_d;
      snap_q       <= snap_d;
    end
  end
  always_ff @(posedge clk_i) begin
    aw_addr_q <= aw_addr_d;
    w_data_q  <= w_data_d;
    w_strb_q  <= w_strb_d;
  end

  assign s_axil_bvalid_o  = b_valid_q;
  assign s_axil_bresp_o   = 2'b00;
  assign s_axil_rvalid_o  = r_valid_q;
  assign s_axil_rdata_o   = r_data_q;
  assign s_axil_rresp_o   = 2'b00;
  assign enable_o         = enable_q;
  assign soft_reset_o     = soft_reset_q;
  assign cnt_clear_o      = cnt_clear_q;
  assign ring_base_o      = {base_hi_q, base_lo_q};
  assign ring_size_log2_o = size_log2_q;
  assign ring_tail_o      = tail_q;
  assign irq_o            = irq_q;

  logic unused;
  assign unused = ^s_axil_awaddr_i[1:0] ^ ^s_axil_araddr_i[1:0] ^ ^aw_addr_q[1:0];
endmodule
