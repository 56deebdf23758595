// Elaboration-time helpers shared by every Trit module.
//
// rtl/ has no multiplication, division or modulo operator (a test greps for them): the array is
// multiplier-free by construction and the control logic uses counters and stride additions.
// Index arithmetic on parameters and genvars goes through these constant functions instead, which
// multiply and divide by shifting and adding. Both Verilator and Yosys evaluate them at
// elaboration; none of them is meant for run-time signals.
//
// Yosys 0.23 has no `return` and rejects `import trit_pkg::*`: callers write `trit_pkg::mul(a, b)`
// and the functions assign their own name.
package trit_pkg;

  // a x b for 0 <= a, b < 2^31 (shift-and-add).
  function automatic int mul(input int a, input int b);
    int acc;
    acc = 0;
    for (int i = 0; i < 31; i++) begin
      if (b[i]) acc = acc + (a <<< i);
    end
    mul = acc;
  endfunction

  // floor(a / b) for a >= 0, b > 0 (restoring long division).
  function automatic int div(input int a, input int b);
    logic [32:0] rem_v;
    logic [32:0] den;
    int quo;
    rem_v = '0;
    den = {1'b0, b};
    quo = 0;
    for (int i = 30; i >= 0; i--) begin
      rem_v = {rem_v[31:0], a[i]};
      if (rem_v >= den) begin
        rem_v = rem_v - den;
        quo = quo | (1 <<< i);
      end
    end
    div = quo;
  endfunction

  // ceil(a / b) for a >= 0, b > 0.
  function automatic int div_ceil(input int a, input int b);
    div_ceil = div(a + b - 1, b);
  endfunction

  // a mod b for a >= 0, b > 0.
  function automatic int rem(input int a, input int b);
    rem = a - mul(div(a, b), b);
  endfunction

  // Greatest common divisor (Euclid) of a, b > 0.
  function automatic int gcd(input int a, input int b);
    int x, y, t;
    x = a;
    y = b;
    for (int i = 0; i < 64; i++) begin
      if (y != 0) begin
        t = rem(x, y);
        x = y;
        y = t;
      end
    end
    gcd = x;
  endfunction

  function automatic int max(input int a, input int b);
    max = (a > b) ? a : b;
  endfunction

  function automatic int min(input int a, input int b);
    min = (a < b) ? a : b;
  endfunction

  function automatic bit is_pow2(input int a);
    is_pow2 = (a > 0) && ((a & (a - 1)) == 0);
  endfunction

  // Bytes of one weight chunk (C x V trits) in each format (docs/architecture.md, "Weight layout").
  function automatic int chunk_bytes_t2(input int trits);
    chunk_bytes_t2 = div_ceil(trits, 4);
  endfunction
  function automatic int chunk_bytes_t5(input int trits);
    chunk_bytes_t5 = div_ceil(trits, 5);
  endfunction

  // Field widths shared by the units (one definition, so producers and consumers agree).
  // Chunks per tile: ceil(K / V) <= KMax / V.
  function automatic int chunks_w(input int k_max, input int lanes);
    chunks_w = $clog2(div(k_max, lanes) + 1);
  endfunction
  // Beats per tile: ceil(n_chunks x chunk_bytes / B), largest in T2.
  function automatic int tile_beats_w(input int k_max, input int cols, input int lanes, input int bus_bytes);
    tile_beats_w = $clog2(div_ceil(mul(div(k_max, lanes), chunk_bytes_t2(mul(cols, lanes))), bus_bytes) + 1);
  endfunction
  // Beats per activation row: ceil(K / B) <= KMax / B.
  function automatic int act_beats_w(input int k_max, input int bus_bytes);
    act_beats_w = $clog2(div(k_max, bus_bytes) + 1);
  endfunction

endpackage
