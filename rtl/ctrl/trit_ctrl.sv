`include "trit_regs.svh"

// Controller: descriptor completion, errors, soft reset and the core reset.
//
// Completion: every dispatched descriptor (and every error entry) waits in the completion queue
// in ring order. A descriptor completes when the write DMA reports the B response of its final
// output row (single ID: responses arrive in order); RING_HEAD then moves past it, DONE_COUNT
// and CNT_DESCS count it, LAST_TAG takes its tag and IRQ_STATUS.DONE is set if it asked for it.
// An error entry at the head of the queue (every earlier descriptor complete) raises its error.
//
//   RUN ----- error (AXI response, or an error entry at the queue head) -----> DRAIN
//   RUN / HALTED / DRAIN -- CTRL.SOFT_RESET --------------------------------> DRAIN (+ reset)
//   DRAIN: no new AXI transactions (abort_o); wait for every outstanding one --> CLEAR
//   CLEAR: core reset for one cycle; then RUN after a soft reset (HEAD = TAIL = 0, error
//          cleared, RESET_DONE) or HALTED after an error (ERROR)
//   HALTED: the core stays in reset until the next soft reset
//
// The first error is kept (code, ring index, burst address). Completions are not counted once a
// drain has begun: a descriptor whose last writes may have been finished with zero strobes is
// not complete, so RING_HEAD names the oldest descriptor the host must run again.
//
// The core reset is a flop ANDed with rst_ni (glitch free); registers, counters and this module
// stay on rst_ni, the completion queue on the core reset.
module trit_ctrl #(
  parameter int AddrW = 32,
  parameter int IdxW  = 16,
  parameter int Depth = 4
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  output logic             core_rst_no,
  // registers
  input  logic             soft_reset_i,
  input  logic [31:0]      ring_size_log2_i,
  output logic             busy_o,
  output logic             halted_o,
  output logic             resetting_o,
  output logic [3:0]       err_code_o,
  output logic [IdxW-1:0]  err_index_o,
  output logic [63:0]      err_addr_o,
  output logic [IdxW-1:0]  ring_head_o,
  output logic [31:0]      done_count_o,
  output logic [31:0]      last_tag_o,
  output logic             ring_clear_o,
  output logic [2:0]       irq_set_o,     // {RESET_DONE, ERROR, DONE}
  output logic             cnt_desc_o,
  // completion queue (from the dispatcher)
  input  logic             comp_valid_i,
  output logic             comp_ready_o,
  input  logic [3:0]       comp_err_i,
  input  logic [IdxW-1:0]  comp_idx_i,
  input  logic [31:0]      comp_tag_i,
  input  logic             comp_irq_i,
  // the units
  input  logic [IdxW-1:0]  fetch_idx_i,
  input  logic             wr_done_i,
  input  logic [IdxW-1:0]  wr_done_idx_i,
  input  logic             rd_err_i,
  input  logic [AddrW-1:0] rd_err_addr_i,
  input  logic [IdxW-1:0]  rd_err_idx_i,
  input  logic             wr_err_i,
  input  logic [AddrW-1:0] wr_err_addr_i,
  input  logic [IdxW-1:0]  wr_err_idx_i,
  input  logic             rd_busy_i,
  input  logic             wr_busy_i,
  output logic             abort_o
);
  typedef enum logic [1:0] {StRun = 2'd0, StDrain = 2'd1, StClear = 2'd2, StHalted = 2'd3} state_e;
  localparam int EntryW = 4 + IdxW + 32 + 1;

  state_e          state_q, state_d;
  logic            reset_pending_q, reset_pending_d;
  logic            core_clear_q, core_clear_d;
  logic [3:0]      err_code_q, err_code_d;
  logic [IdxW-1:0] err_index_q, err_index_d;
  logic [63:0]     err_addr_q, err_addr_d;
  logic [IdxW-1:0] head_q, head_d, idx_mask;
  logic [31:0]     done_count_q, done_count_d, last_tag_q, last_tag_d;
  logic [2:0]      irq_set_d, irq_set_q;
  logic            ring_clear_d, ring_clear_q, cnt_desc_d, cnt_desc_q;

  logic              cq_valid, cq_pop;
  logic [EntryW-1:0] cq_data;
  logic [3:0]        cq_err;
  logic [IdxW-1:0]   cq_idx;
  logic [31:0]       cq_tag;
  logic              cq_irq;
  logic [$clog2(Depth + 1)-1:0] unused_count;

  trit_fifo #(.Width(EntryW), .Depth(Depth)) u_completion (
    .clk_i,
    .rst_ni      (core_rst_no),
    .in_valid_i  (comp_valid_i),
    .in_ready_o  (comp_ready_o),
    .in_data_i   ({comp_err_i, comp_idx_i, comp_tag_i, comp_irq_i}),
    .out_valid_o (cq_valid),
    .out_ready_i (cq_pop),
    .out_data_o  (cq_data),
    .count_o     (unused_count)
  );
  assign {cq_err, cq_idx, cq_tag, cq_irq} = cq_data;

  always_comb begin
    idx_mask = IdxW'((17'd1 << ring_size_log2_i[4:0]) - 17'd1);

    state_d         = state_q;
    reset_pending_d = reset_pending_q;
    err_code_d      = err_code_q;
    err_index_d     = err_index_q;
    err_addr_d      = err_addr_q;
    head_d          = head_q;
    done_count_d    = done_count_q;
    last_tag_d      = last_tag_q;
    irq_set_d       = 3'b000;
    ring_clear_d    = 1'b0;
    cnt_desc_d      = 1'b0;
    cq_pop          = 1'b0;

    unique case (state_q)
      StRun: begin
        if (wr_done_i && cq_valid && cq_err == '0) begin
          cq_pop       = 1'b1;
          head_d       = (cq_idx + 1'b1) & idx_mask;
          done_count_d = done_count_q + 1'b1;
          last_tag_d   = cq_tag;
          cnt_desc_d   = 1'b1;
          irq_set_d[0] = cq_irq;
        end
        if (soft_reset_i) begin
          reset_pending_d = 1'b1;
          state_d = StDrain;
        end else if (rd_err_i) begin
          err_code_d  = 4'(`TRIT_ERR_CODE_AXI_READ);
          err_index_d = rd_err_idx_i;
          err_addr_d  = 64'(rd_err_addr_i);
          state_d     = StDrain;
        end else if (wr_err_i) begin
          err_code_d  = 4'(`TRIT_ERR_CODE_AXI_WRITE);
          err_index_d = wr_err_idx_i;
          err_addr_d  = 64'(wr_err_addr_i);
          state_d     = StDrain;
        end else if (cq_valid && cq_err != '0) begin
          err_code_d  = cq_err;
          err_index_d = cq_idx;
          err_addr_d  = '0;
          state_d     = StDrain;
        end
      end
      StDrain: begin
        if (soft_reset_i) reset_pending_d = 1'b1;
        if (!rd_busy_i && !wr_busy_i) begin
          state_d = StClear;
          // RING_TAIL becomes 0 during the CLEAR cycle, while the core is still in reset: the
          // fetcher must not see the old TAIL against its cleared index.
          ring_clear_d = reset_pending_d;
        end
      end
      StClear: begin
        if (reset_pending_q) begin
          state_d         = StRun;
          reset_pending_d = 1'b0;
          err_code_d      = 4'(`TRIT_ERR_CODE_NONE);
          err_index_d     = '0;
          err_addr_d      = '0;
          head_d          = '0;
          irq_set_d[2]    = 1'b1;
        end else begin
          state_d      = StHalted;
          irq_set_d[1] = 1'b1;
        end
      end
      StHalted: begin
        if (soft_reset_i) begin
          reset_pending_d = 1'b1;
          state_d = StDrain;
        end
      end
      default: state_d = StRun;
    endcase
    // The core is held in reset in CLEAR and HALTED, and through a drain that starts from HALTED.
    core_clear_d = (state_d == StClear) || (state_d == StHalted) || (state_d == StDrain && core_clear_q);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q         <= StRun;
      reset_pending_q <= 1'b0;
      core_clear_q    <= 1'b0;
      err_code_q      <= '0;
      err_index_q     <= '0;
      err_addr_q      <= '0;
      head_q          <= '0;
      done_count_q    <= '0;
      last_tag_q      <= '0;
      irq_set_q       <= '0;
      ring_clear_q    <= 1'b0;
      cnt_desc_q      <= 1'b0;
    end else begin
      state_q         <= state_d;
      reset_pending_q <= reset_pending_d;
      core_clear_q    <= core_clear_d;
      err_code_q      <= err_code_d;
      err_index_q     <= err_index_d;
      err_addr_q      <= err_addr_d;
      head_q          <= head_d;
      done_count_q    <= done_count_d;
      last_tag_q      <= last_tag_d;
      irq_set_q       <= irq_set_d;
      ring_clear_q    <= ring_clear_d;
      cnt_desc_q      <= cnt_desc_d;
    end
  end

  assign core_rst_no  = rst_ni && !core_clear_q;
  assign abort_o      = (state_q == StDrain);
  assign halted_o     = (state_q == StHalted);
  assign resetting_o  = reset_pending_q;
  assign busy_o       = (state_q == StDrain) || (state_q == StClear) ||
                        (state_q == StRun && (fetch_idx_i != head_q || rd_busy_i || wr_busy_i));
  assign err_code_o   = err_code_q;
  assign err_index_o  = err_index_q;
  assign err_addr_o   = err_addr_q;
  assign ring_head_o  = head_q;
  assign done_count_o = done_count_q;
  assign last_tag_o   = last_tag_q;
  assign ring_clear_o = ring_clear_q;
  assign irq_set_o    = irq_set_q;
  assign cnt_desc_o   = cnt_desc_q;

  logic unused;
  assign unused = ^ring_size_log2_i[31:5] ^ ^wr_done_idx_i;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && state_q == StRun && wr_done_i) begin
      assert (cq_valid && cq_err == '0 && wr_done_idx_i == cq_idx)
        else $error("trit_ctrl: completion of descriptor %0d out of order", wr_done_idx_i);
    end
  end
`endif
endmodule
