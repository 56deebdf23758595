// Spill register: a two-entry pipeline stage that cuts the valid/data path and the ready path
// (in_ready_o and out_valid_o/out_data_o all come from flops) at full throughput. Data enters the
// output register when it is empty or being emptied, otherwise the spill register.
module trit_spill #(
  parameter int Width = 8
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o
);
  logic             a_full_d, a_full_q, b_full_d, b_full_q;
  logic [Width-1:0] a_data_d, a_data_q, b_data_d, b_data_q;

  assign in_ready_o  = !b_full_q;
  assign out_valid_o = a_full_q;
  assign out_data_o  = a_data_q;

  always_comb begin
    a_full_d = a_full_q;
    b_full_d = b_full_q;
    a_data_d = a_data_q;
    b_data_d = b_data_q;
    if (out_valid_o && out_ready_i) begin
      // Output slot drains; refill it from the spill slot first, then from the input.
      if (b_full_q) begin
        a_data_d = b_data_q;
        b_full_d = 1'b0;
      end else begin
        a_full_d = 1'b0;
      end
    end
    if (in_valid_i && in_ready_o) begin
      if (!a_full_d) begin
        a_full_d = 1'b1;
        a_data_d = in_data_i;
      end else begin
        b_full_d = 1'b1;
        b_data_d = in_data_i;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_full_q <= 1'b0;
      b_full_q <= 1'b0;
    end else begin
      a_full_q <= a_full_d;
      b_full_q <= b_full_d;
    end
  end

  always_ff @(posedge clk_i) begin
    a_data_q <= a_data_d;
    b_data_q <= b_data_d;
  end
endmodule
