# ovs-dpi signature file part: peer-to-peer file sharing and VPNs.
# (Format: see the top of 00-core.sig and docs/signatures.md.)

# --- IPsec ---------------------------------------------------------------

# ESP (RFC 4303) and AH (RFC 4302) are IP protocols 50 and 51.
protocol ipsec ip 50
protocol ipsec ip 51
