// Weight decoder, format T2 (2 bits per trit, docs/architecture.md "Weight layout").
//
// The array's internal trit code is the T2 code itself (bit 0 = nonzero, bit 1 = subtract), so
// this decoder is wires plus one canonicalisation: the never-written code 10 becomes 00, so that
// "subtract" implies "nonzero" everywhere downstream. Combinational, vector-wide operations only.
module trit_wdec_t2 #(
  parameter int Trits = 16,
  localparam int Bytes = trit_pkg::chunk_bytes_t2(Trits)
) (
  input  logic [(Bytes << 3)-1:0] bytes_i,
  output logic [(Trits << 1)-1:0] code_o     // trit i at [2i+1:2i] = {subtract, nonzero}
);
  localparam int CodeW = Trits << 1;
  localparam logic [CodeW-1:0] NzBits = {Trits{2'b01}};

  logic [CodeW-1:0] raw, nz;
  assign raw    = bytes_i[CodeW-1:0];
  assign nz     = raw & NzBits;
  assign code_o = nz | ((raw & (nz << 1)));

  if ((Bytes << 3) > CodeW) begin : g_unused
    logic unused;
    assign unused = ^bytes_i[(Bytes << 3)-1:CodeW];
  end
endmodule
