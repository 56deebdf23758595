// Next AXI burst of a transfer (combinational): len = min(remaining beats, MaxBurstBeats, beats
// left before the next 4 KiB boundary), and whether it is the transfer's last burst. Shared by
// the read and write DMAs.
module trit_burst_len #(
  parameter int AddrW         = 32,
  parameter int BusBytes      = 8,
  parameter int MaxBurstBeats = 16,
  parameter int BeatsW        = 16,
  localparam int LenW         = $clog2(MaxBurstBeats + 1)
) (
  input  logic [AddrW-1:0]  addr_i,    // beat aligned
  input  logic [BeatsW-1:0] beats_i,   // beats still to transfer
  output logic [LenW-1:0]   len_o,
  output logic              final_o
);
  localparam int SizeLog2 = $clog2(BusBytes);
  localparam int Beats4kW = 13 - SizeLog2 + 1;
  // Width in which remaining beats, beats to 4 KiB and MaxBurstBeats all compare.
  localparam int CmpW = trit_pkg::max(BeatsW, trit_pkg::max(Beats4kW, LenW)) + 1;

  logic [Beats4kW-1:0] to4k;
  logic [CmpW-1:0]     len;

  always_comb begin
    to4k = Beats4kW'((13'h1000 - {1'b0, addr_i[11:0]}) >> SizeLog2);
    len  = CmpW'(beats_i);
    if (len > CmpW'(MaxBurstBeats)) len = CmpW'(MaxBurstBeats);
    if (len > CmpW'(to4k)) len = CmpW'(to4k);
  end
  assign len_o   = LenW'(len);
  assign final_o = (CmpW'(beats_i) == len);

  logic unused;
  assign unused = ^addr_i[SizeLog2-1:0] ^ ^addr_i[AddrW-1:12];
endmodule
