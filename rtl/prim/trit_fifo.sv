// Synchronous FIFO in flip-flops, first-word fall-through.
//
// Both handshake outputs come straight from flops (in_ready_o = not full, out_valid_o = not
// empty), so the FIFO cuts the valid and the ready path between its two sides; the read data is
// a mux of the storage flops. Meant for small depths (command, tag and chunk queues); large
// buffers use trit_fifo_sram. Depth need not be a power of two.
module trit_fifo #(
  parameter int Width = 8,
  parameter int Depth = 2,
  localparam int CountW = $clog2(Depth + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // write side
  input  logic              in_valid_i,
  output logic              in_ready_o,
  input  logic [Width-1:0]  in_data_i,
  // read side
  output logic              out_valid_o,
  input  logic              out_ready_i,
  output logic [Width-1:0]  out_data_o,
  // occupancy
  output logic [CountW-1:0] count_o
);
  localparam int PtrW = (Depth > 1) ? $clog2(Depth) : 1;
  localparam logic [PtrW-1:0] LastPtr = PtrW'(Depth - 1);
  localparam logic [CountW-1:0] Full = CountW'(Depth);

  logic [Width-1:0]  mem_q [Depth];
  logic [PtrW-1:0]   wptr_d, wptr_q, rptr_d, rptr_q;
  logic [CountW-1:0] count_d, count_q;
  logic              push, pop;

  // Handshake outputs straight from flops, in their own statements so that a simulator sees no
  // combinational path through the FIFO (chains of FIFOs stay loop-free for Verilator).
  assign in_ready_o  = (count_q != Full);
  assign out_valid_o = (count_q != '0);

  always_comb begin
    push = in_valid_i && in_ready_o;
    pop  = out_valid_o && out_ready_i;
    wptr_d  = wptr_q;
    rptr_d  = rptr_q;
    count_d = count_q;
    if (push) wptr_d = (wptr_q == LastPtr) ? '0 : wptr_q + 1'b1;
    if (pop)  rptr_d = (rptr_q == LastPtr) ? '0 : rptr_q + 1'b1;
    if (push && !pop) count_d = count_q + 1'b1;
    if (pop && !push) count_d = count_q - 1'b1;
  end

  assign out_data_o = mem_q[rptr_q];
  assign count_o    = count_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q  <= '0;
      rptr_q  <= '0;
      count_q <= '0;
    end else begin
      wptr_q  <= wptr_d;
      rptr_q  <= rptr_d;
      count_q <= count_d;
    end
  end

  // Storage: no reset (data is qualified by count_q).
  always_ff @(posedge clk_i) begin
    if (push) mem_q[wptr_q] <= in_data_i;
  end

`ifndef SYNTHESIS
  // The handshake contract: a producer keeps data stable while valid and not ready.
  logic             in_hold_q;
  logic [Width-1:0] in_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_hold_q <= 1'b0;
      in_data_q <= '0;
    end else begin
      in_hold_q <= in_valid_i && !in_ready_o;
      in_data_q <= in_data_i;
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni && in_hold_q) begin
      assert (in_valid_i && in_data_i == in_data_q)
        else $error("trit_fifo: input dropped valid or changed data while stalled");
    end
  end
`endif
endmodule
