// Weight decoder, format T5 (5 trits per byte, base-3 fixed point; docs/architecture.md).
//
// A byte holds q = ceil(256 v / 243) with v = sum_p t_p 3^(4-p). Multiplying by 3 moves the
// next base-3 digit above bit 7: for p = 0..4, x3 = (x << 1) + x (10 bits), t_p = x3[9:8],
// x = x3[7:0]. Five shift-adds per byte, no multiplier; t = 0, 1, 2 stand for -1, 0, +1 and leave
// as the array's trit code {subtract, nonzero}: 0 -> 11, 1 -> 00, 2 -> 01.
//
// Combinational; the caller registers the result. Trits past the chunk's C x V (positions
// padded with t = 1) are dropped.
module trit_wdec_t5 #(
  parameter int Trits = 16,
  localparam int Bytes = trit_pkg::chunk_bytes_t5(Trits)
) (
  input  logic [(Bytes << 3)-1:0] bytes_i,
  output logic [(Trits << 1)-1:0] code_o     // trit i at [2i+1:2i] = {subtract, nonzero}
);
  localparam int AllTrits = trit_pkg::mul(Bytes, 5);
  localparam int AllW     = AllTrits << 1;

  // Five trit codes of one byte, trit p at [2p+1:2p].
  function automatic logic [9:0] decode_byte(input logic [7:0] q);
    logic [7:0] x;
    logic [9:0] x3;
    logic [9:0] codes;
    x = q;
    codes = '0;
    for (int p = 0; p < 5; p++) begin
      x3 = {x, 1'b0} + {2'b00, x};
      codes[(p << 1) +: 2] = {x3[9:8] == 2'd0, x3[9:8] != 2'd1};
      x = x3[7:0];
    end
    decode_byte = codes;
  endfunction

  logic [AllW-1:0] all_codes;
  for (genvar b = 0; b < Bytes; b++) begin : g_byte
    // Trit 5b + p sits at bit 10b + 2p: the byte groups concatenate in trit order.
    assign all_codes[trit_pkg::mul(b, 10) +: 10] = decode_byte(bytes_i[(b << 3) +: 8]);
  end
  assign code_o = all_codes[(Trits << 1)-1:0];

  if (AllTrits > Trits) begin : g_unused
    logic unused;
    assign unused = ^all_codes[AllW-1:(Trits << 1)];
  end
endmodule
