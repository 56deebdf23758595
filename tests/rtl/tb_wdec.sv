// Test wrapper: both weight decoders for one chunk size in one Verilated model.
module tb_wdec #(
  parameter int Trits = 20
) (
  input  logic [(trit_pkg::chunk_bytes_t2(Trits) << 3)-1:0] t2_bytes_i,
  output logic [(Trits << 1)-1:0]                          t2_code_o,
  input  logic [(trit_pkg::chunk_bytes_t5(Trits) << 3)-1:0] t5_bytes_i,
  output logic [(Trits << 1)-1:0]                          t5_code_o
);
  trit_wdec_t2 #(.Trits(Trits)) u_t2 (.bytes_i(t2_bytes_i), .code_o(t2_code_o));
  trit_wdec_t5 #(.Trits(Trits)) u_t5 (.bytes_i(t5_bytes_i), .code_o(t5_code_o));
endmodule
