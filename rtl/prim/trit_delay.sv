// Valid-qualified delay line: Stages register stages (0 = wires). The valid bit is reset and
// moves every cycle; the data of a stage loads only when the valid bit entering it is set, so
// bubbles do not toggle the data registers (operand isolation for the array's skew chains).
module trit_delay #(
  parameter int Width  = 8,
  parameter int Stages = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             valid_i,
  input  logic [Width-1:0] data_i,
  output logic             valid_o,
  output logic [Width-1:0] data_o
);
  if (Stages == 0) begin : g_wire
    assign valid_o = valid_i;
    assign data_o  = data_i;
    logic unused;
    assign unused = clk_i ^ rst_ni;
  end else begin : g_regs
    // Stage k (k = 0..Stages-1) holds the input delayed by k+1 cycles.
    logic [Stages-1:0]                        valid_q, valid_d;
    logic [trit_pkg::mul(Stages, Width)-1:0]  data_q;
    logic [trit_pkg::mul(Stages + 1, Width)-1:0] chain;

    assign chain   = {data_q, data_i};
    assign valid_d = Stages'({valid_q, valid_i});

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) valid_q <= '0;
      else         valid_q <= valid_d;
    end

    for (genvar k = 0; k < Stages; k++) begin : g_stage
      always_ff @(posedge clk_i) begin
        if (valid_d[k]) data_q[trit_pkg::mul(k, Width) +: Width] <= chain[trit_pkg::mul(k, Width) +: Width];
      end
    end

    assign valid_o = valid_q[Stages-1];
    assign data_o  = data_q[trit_pkg::mul(Stages - 1, Width) +: Width];
  end
endmodule
