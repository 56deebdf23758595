// Synchronous FIFO for deep buffers (the weight stream FIFO): the storage is a simple dual-port
// memory with a registered read, the shape FPGA block RAM and ASIC SRAM macros have, followed by
// a two-entry flop FIFO that makes the head visible (first-word fall-through).
//
// A read is started when the memory holds data and the output FIFO has room for it counting the
// read in flight, so the output side sustains one word per cycle. Paths cut: in_ready_o,
// out_valid_o and out_data_o all come from flops. Capacity is Depth words in memory plus two in
// the output stage; count_o counts all of them.
module trit_fifo_sram #(
  parameter int Width = 64,
  parameter int Depth = 64,
  localparam int CountW = $clog2(Depth + 4)
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
  // occupancy (memory + read in flight + output stage)
  output logic [CountW-1:0] count_o
);
  localparam int PtrW = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int MemCountW = $clog2(Depth + 1);
  localparam logic [PtrW-1:0] LastPtr = PtrW'(Depth - 1);
  localparam logic [MemCountW-1:0] Full = MemCountW'(Depth);

  logic [Width-1:0]     mem [Depth];
  logic [Width-1:0]     rdata_q;
  logic [PtrW-1:0]      wptr_d, wptr_q, rptr_d, rptr_q;
  logic [MemCountW-1:0] mem_count_d, mem_count_q;
  logic                 rd_inflight_q;
  logic                 push, rd_en;
  logic                 obuf_ready;
  logic [1:0]           obuf_count;

  assign in_ready_o = (mem_count_q != Full);

  always_comb begin
    push = in_valid_i && in_ready_o;
    // Output FIFO occupancy plus the read in flight must stay <= 2 after this read.
    rd_en = (mem_count_q != '0) && ({1'b0, obuf_count} + {2'b0, rd_inflight_q} < 3'd2 ||
            ({1'b0, obuf_count} + {2'b0, rd_inflight_q} == 3'd2 && out_valid_o && out_ready_i));
    wptr_d = wptr_q;
    rptr_d = rptr_q;
    mem_count_d = mem_count_q;
    if (push)  wptr_d = (wptr_q == LastPtr) ? '0 : wptr_q + 1'b1;
    if (rd_en) rptr_d = (rptr_q == LastPtr) ? '0 : rptr_q + 1'b1;
    if (push && !rd_en) mem_count_d = mem_count_q + 1'b1;
    if (rd_en && !push) mem_count_d = mem_count_q - 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q        <= '0;
      rptr_q        <= '0;
      mem_count_q   <= '0;
      rd_inflight_q <= 1'b0;
    end else begin
      wptr_q        <= wptr_d;
      rptr_q        <= rptr_d;
      mem_count_q   <= mem_count_d;
      rd_inflight_q <= rd_en;
    end
  end

  // Memory: write port and registered read port, no reset (block RAM inference).
  always_ff @(posedge clk_i) begin
    if (push)  mem[wptr_q] <= in_data_i;
    if (rd_en) rdata_q <= mem[rptr_q];
  end

  trit_fifo #(.Width(Width), .Depth(2)) u_obuf (
    .clk_i, .rst_ni,
    .in_valid_i (rd_inflight_q),
    .in_ready_o (obuf_ready),
    .in_data_i  (rdata_q),
    .out_valid_o,
    .out_ready_i,
    .out_data_o,
    .count_o    (obuf_count)
  );

  assign count_o = CountW'(mem_count_q) + CountW'(obuf_count) + CountW'(rd_inflight_q);

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni && rd_inflight_q) assert (obuf_ready) else $error("trit_fifo_sram: output stage overflow");
  end
`endif
endmodule
