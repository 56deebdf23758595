// Byte gearbox: a stream of bus beats with a per-beat count of valid bytes in, a stream of
// fixed-size records out (OutBytes0 or OutBytes1 bytes, chosen by the sel carried with the beats).
//
// The weight stream uses it to cut bus beats into weight chunks: within a tile the chunks are
// packed back to back, and the last beat of each tile carries fewer valid bytes (the zero
// padding that aligns the next tile to a beat is never let in), so tiles simply concatenate.
//
//   beats:   |c0 c0 c0 c1|c1 c1 c2 c2|c2 pd pd pd|   (valid bytes 4, 4, 1; record = 3 bytes)
//   records: c0 c0 c0 / c1 c1 c1 / c2 c2 c2
//
// Storage is a byte shift register of Cap = max record + beat bytes: records leave from the
// bottom (a constant shift per record size), beats enter at the fill level (a variable shift).
// Every fill level is a multiple of Grain = gcd(beat, record sizes) bytes (the padding of a
// tile is too), so the variable shifter moves Grain-byte units: 4 mux levels instead of 8 for
// the KV260-class configuration (beat 64, records 80 and 64: Grain 16).
//
// Throughput: one beat in and one record out per cycle. A beat is accepted when it fits after
// this cycle's pop (in_ready_o depends combinationally on out_ready_i); out_valid_o and
// out_data_o come from flops. A beat of the other record size (the next pass in another format)
// is held back until the buffer is empty, which costs a cycle or two at such a pass boundary.
module trit_gearbox #(
  parameter int InBytes   = 8,
  parameter int OutBytes0 = 4,
  parameter int OutBytes1 = 4,
  localparam int OutMax   = (OutBytes0 > OutBytes1) ? OutBytes0 : OutBytes1,
  localparam int NBytesW  = $clog2(InBytes + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // beats (valid bytes are the low in_nbytes_i bytes, 1..InBytes)
  input  logic                   in_valid_i,
  output logic                   in_ready_o,
  input  logic [(InBytes << 3)-1:0]   in_data_i,
  input  logic [NBytesW-1:0]     in_nbytes_i,
  input  logic                   in_sel_i,
  // records (the low OutBytes0/1 bytes of out_data_o)
  output logic                   out_valid_o,
  input  logic                   out_ready_i,
  output logic [(OutMax << 3)-1:0] out_data_o,
  output logic                   out_sel_o
);
  // InBytes is a power of two, so Grain (a divisor of it) is one too.
  localparam int Grain     = trit_pkg::gcd(InBytes, trit_pkg::gcd(OutBytes0, OutBytes1));
  localparam int GrainLog2 = $clog2(Grain);
  localparam int Cap       = OutMax + InBytes;
  localparam int CapW      = Cap << 3;
  localparam int CntW      = $clog2(Cap + 1);
  localparam int ShiftW    = $clog2(CapW + 1);

  logic [CapW-1:0]   buf_d, buf_q;
  logic [CntW-1:0]   cnt_d, cnt_q;
  logic              sel_d, sel_q;
  logic [CntW-1:0]   rec_bytes, cnt_after_pop;
  logic [CapW-1:0]   buf_after_pop, beat_ext, beat_mask;
  logic [ShiftW-1:0] fill_shift;
  logic              pop, push;

  // Output side (from flops) and the room left after this cycle's pop.
  assign rec_bytes   = sel_q ? CntW'(OutBytes1) : CntW'(OutBytes0);
  assign out_valid_o = (cnt_q >= rec_bytes);
  assign out_data_o  = buf_q[(OutMax << 3)-1:0];
  assign out_sel_o   = sel_q;

  always_comb begin
    pop = out_valid_o && out_ready_i;
    cnt_after_pop = pop ? cnt_q - rec_bytes : cnt_q;
    buf_after_pop = buf_q;
    if (pop) buf_after_pop = sel_q ? (buf_q >> (OutBytes1 << 3)) : (buf_q >> (OutBytes0 << 3));
    // A beat of the other record size waits until the buffer has emptied (a pass boundary).
    in_ready_o = ({1'b0, cnt_after_pop} + (CntW + 1)'(InBytes) <= (CntW + 1)'(Cap)) &&
                 (in_sel_i == sel_q || cnt_after_pop == '0);
  end

  // Input side: keep only the valid bytes of the beat, then place them at the fill level. The
  // shift amount is the fill level in grains with constant zero low bits: only the grain bits
  // cost multiplexers.
  always_comb begin
    push       = in_valid_i && in_ready_o;
    beat_mask  = ~({CapW{1'b1}} << {in_nbytes_i, 3'b000});
    beat_ext   = CapW'(in_data_i) & beat_mask;
    fill_shift = (ShiftW'(cnt_after_pop) >> GrainLog2) << (GrainLog2 + 3);
    buf_d = buf_after_pop;
    cnt_d = cnt_after_pop;
    sel_d = sel_q;
    if (push) begin
      buf_d = buf_after_pop | (beat_ext << fill_shift);
      cnt_d = cnt_after_pop + CntW'(in_nbytes_i);
      sel_d = in_sel_i;
    end
  end

  // The buffer is reset too: insertion ORs a beat above the fill level and relies on the bytes
  // there being zero (records leave by a right shift that brings in zeros).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q <= '0;
      sel_q <= 1'b0;
      buf_q <= '0;
    end else begin
      cnt_q <= cnt_d;
      sel_q <= sel_d;
      buf_q <= buf_d;
    end
  end

`ifndef SYNTHESIS
  localparam logic [NBytesW-1:0] GrainMask = NBytesW'(Grain - 1);
  always_ff @(posedge clk_i) begin
    if (rst_ni && in_valid_i) begin
      assert (in_nbytes_i != '0 && in_nbytes_i <= NBytesW'(InBytes) && (in_nbytes_i & GrainMask) == '0)
        else $error("trit_gearbox: beat byte count %0d not a multiple of %0d in 1..%0d",
                    in_nbytes_i, Grain, InBytes);
    end
    if (rst_ni && push && cnt_after_pop != '0) begin
      assert (in_sel_i == sel_q) else $error("trit_gearbox: record size changed with bytes buffered");
    end
  end
`endif
endmodule
