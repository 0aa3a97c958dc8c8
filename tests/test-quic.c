/*
 * Copyright (c) 2026 The ovs-dpi authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Tests of the QUIC parser (lib/proto/quic.c).
 *
 * The keys and the packets of RFC 9001 and RFC 9369, Appendix A, are the
 * independent oracle of the Initial protection.  A test-side sealer, first
 * checked to reproduce the RFC 9001 packet byte for byte, builds the other
 * Initial packets: a ClientHello split over datagrams, coalesced packets,
 * malformed frames.  The corpus test feeds the client datagrams of every
 * flow of the development corpus ($DPI_CORPUS_DIR) for which tshark found
 * a QUIC server name (oracle column quic_sni) and compares. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>

#include <openssl/evp.h>

#include "dpi-crypto.h"
#include "dpi-proto.h"
#include "pcap-util.h"
#include "proto/quic.h"

/* RFC 9001 A.2: the protected client Initial (1200 bytes). */
static const char rfc9001_client_initial[] =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

/* RFC 9001 A.2: its plaintext before the PADDING, a CRYPTO frame. */
static const char rfc9001_crypto_frame[] =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 A.3: the protected server Initial. */
static const char rfc9001_server_initial[] =
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";

/* RFC 9369 A.2: the same ClientHello protected with QUIC v2. */
static const char rfc9369_client_initial[] =
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc";


/* The Destination Connection ID of the RFC examples. */
static const uint8_t rfc_dcid[8] = {
    0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08,
};

/* Budget of the metadata of a test connection. */
#define MD_MAX 16384

/* Largest datagram built by the tests. */
#define DGRAM_MAX 2048

/* Decodes the hexadecimal string 'hex' into 'out' of 'size' bytes and
 * returns the number of bytes. */
static size_t
unhex(const char *hex, uint8_t *out, size_t size)
{
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        unsigned int byte;

        assert_true(n < size);
        assert_int_equal(sscanf(hex, "%2x", &byte), 1);
        out[n++] = byte;
    }
    return n;
}

/* Asserts that the 'len' bytes at 'got' equal hexadecimal 'want'. */
static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
    uint8_t buf[64];

    assert_int_equal(unhex(want, buf, sizeof buf), len);
    assert_memory_equal(got, buf, len);
}

/* A context for a client (to_server) or server datagram. */
static struct dpi_proto_ctx
udp_ctx(bool to_server)
{
    struct dpi_proto_ctx ctx;

    memset(&ctx, 0, sizeof ctx);
    ctx.to_server = to_server;
    ctx.client_port = 50000;
    ctx.server_port = 443;
    return ctx;
}

/* Parses the 'len' bytes at 'p' as one datagram of direction 'to_server'
 * into 'md'. */
static enum dpi_proto_result
parse(const uint8_t *p, size_t len, bool to_server, struct dpi_md *md)
{
    struct dpi_proto_ctx ctx = udp_ctx(to_server);

    return dpi_quic_parse(&ctx, p, len, md);
}

/* Returns the first value of 'field' in 'md', or "" if none. */
static const char *
md_str(const struct dpi_md *md, enum dpi_field field)
{
    const char *s = dpi_md_get(md, field, NULL);

    return s ? s : "";
}

/* --- A test-side sealer ------------------------------------------------ */

/* Builds into 'out' a client Initial packet of 'version' for connection id
 * 'dcid' (8 bytes), packet number 'pn' (sent on 4 bytes), with the
 * 'len'-byte plaintext 'payload', protected as RFC 9001, 5 says.  Returns
 * its size. */
static size_t
seal_initial(uint32_t version, const uint8_t *dcid, uint32_t pn,
             const uint8_t *payload, size_t len, uint8_t *out)
{
    struct dpi_quic_keys keys;
    uint8_t nonce[12], mask[16];
    EVP_CIPHER_CTX *ctx;
    size_t hlen = 0, pn_off, i;
    int n;

    assert_true(dpi_quic_initial_keys(version, dcid, 8, &keys));
    assert_true(len + 4 + 16 < 0x4000);
    out[hlen++] = version == 0x6b3343cf ? 0xd3 : 0xc3;
    out[hlen++] = version >> 24;
    out[hlen++] = version >> 16;
    out[hlen++] = version >> 8;
    out[hlen++] = version;
    out[hlen++] = 8;
    memcpy(out + hlen, dcid, 8);
    hlen += 8;
    out[hlen++] = 0;                    /* No source connection id. */
    out[hlen++] = 0;                    /* No token. */
    out[hlen++] = 0x40 | ((len + 4 + 16) >> 8);
    out[hlen++] = (len + 4 + 16) & 0xff;
    pn_off = hlen;
    out[hlen++] = pn >> 24;
    out[hlen++] = pn >> 16;
    out[hlen++] = pn >> 8;
    out[hlen++] = pn;

    memcpy(nonce, keys.iv, sizeof nonce);
    for (i = 0; i < 4; i++) {
        nonce[11 - i] ^= (uint8_t) (pn >> (8 * i));
    }
    ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL,
                                        keys.key, nonce), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, out, hlen), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out + hlen, &n, payload, len),
                     1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + hlen + n, &n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
                                         out + hlen + len), 1);
    EVP_CIPHER_CTX_free(ctx);

    ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL,
                                        keys.hp, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, mask, &n, out + pn_off + 4,
                                       16), 1);
    EVP_CIPHER_CTX_free(ctx);
    out[0] ^= mask[0] & 0x0f;
    for (i = 0; i < 4; i++) {
        out[pn_off + i] ^= mask[1 + i];
    }
    return hlen + len + 16;
}

/* The ClientHello of RFC 9001 A.2 (without its CRYPTO frame header) into
 * 'ch'; returns its length (241). */
static size_t
rfc_client_hello(uint8_t *ch, size_t size)
{
    uint8_t frame[256];
    size_t n = unhex(rfc9001_crypto_frame, frame, sizeof frame);

    assert_int_equal(n, 245);
    assert_true(size >= n - 4);
    memcpy(ch, frame + 4, n - 4);
    return n - 4;
}

/* Appends to 'p' at '*len' a CRYPTO frame carrying bytes 'start' to 'end'
 * of 'ch', with a 2-byte offset and length. */
static void
add_crypto(uint8_t *p, size_t *len, const uint8_t *ch, size_t start,
           size_t end)
{
    p[(*len)++] = 0x06;
    p[(*len)++] = 0x40 | (start >> 8);
    p[(*len)++] = start & 0xff;
    p[(*len)++] = 0x40 | ((end - start) >> 8);
    p[(*len)++] = (end - start) & 0xff;
    memcpy(p + *len, ch + start, end - start);
    *len += end - start;
}

/* --- Test vectors ------------------------------------------------------ */

/* HMAC-SHA256, on which the Initial keys rest, against RFC 4231: test
 * case 2 (a key shorter than a block) and test case 6 (a 131-byte key,
 * hashed first). */
static void
test_rfc4231_hmac_sha256(void **state)
{
    static const char msg6[] =
        "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char msg2[] = "what do ya want for nothing?";
    uint8_t key[131], out[DPI_CRYPTO_SHA256_LEN];

    (void) state;
    assert_true(dpi_crypto_hmac_sha256((const uint8_t *) "Jefe", 4,
                                       (const uint8_t *) msg2,
                                       strlen(msg2), out));
    assert_hex(out, sizeof out, "5bdcc146bf60754e6a042426089575c7"
                                "5a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof key);
    assert_true(dpi_crypto_hmac_sha256(key, sizeof key,
                                       (const uint8_t *) msg6,
                                       strlen(msg6), out));
    assert_hex(out, sizeof out, "60e431591ee0b67f0d8a26aacbf5b77f"
                                "8e0bc6213728c5140546040f0ee37f54");
}

/* RFC 9001 A.1: the client's Initial secret, key, IV and header protection
 * key for connection id 0x8394c8f03e515708. */
static void
test_rfc9001_client_keys(void **state)
{
    struct dpi_quic_keys k;

    (void) state;
    assert_true(dpi_quic_initial_keys(1, rfc_dcid, 8, &k));
    assert_hex(k.secret, 32, "c00cf151ca5be075ed0ebfb5c80323c4"
               "2d6b7db67881289af4008f1f6c357aea");
    assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
    assert_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c");
    assert_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
}

/* RFC 9369 A.1: the same for QUIC version 2. */
static void
test_rfc9369_client_keys(void **state)
{
    struct dpi_quic_keys k;

    (void) state;
    assert_true(dpi_quic_initial_keys(0x6b3343cf, rfc_dcid, 8, &k));
    assert_hex(k.secret, 32, "14ec9d6eb9fd7af83bf5a668bc17a7e2"
               "83766aade7ecd0891f70f9ff7f4bf47b");
    assert_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
    assert_hex(k.iv, 12, "91f73e2351d8fa91660e909f");
    assert_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
}

/* Versions without known Initial keys have none. */
static void
test_unknown_version_has_no_keys(void **state)
{
    struct dpi_quic_keys k;

    (void) state;
    assert_false(dpi_quic_initial_keys(0x12345678, rfc_dcid, 8, &k));
    assert_false(dpi_quic_initial_keys(1, rfc_dcid, 21, &k));
}

/* Opens the protected packet 'hex' and checks that its plaintext is the
 * RFC's CRYPTO frame followed by PADDING, in packet number 2. */
static void
check_rfc_packet_opens(const char *hex, uint32_t version)
{
    uint8_t pkt[DGRAM_MAX], plain[DGRAM_MAX], frame[256];
    struct dpi_quic_initial info;
    size_t len = unhex(hex, pkt, sizeof pkt), n, i;

    assert_int_equal(len, 1200);
    n = unhex(rfc9001_crypto_frame, frame, sizeof frame);
    assert_true(dpi_quic_open_initial(pkt, len, plain, sizeof plain, &info));
    assert_int_equal(info.version, version);
    assert_int_equal(info.pn, 2);
    assert_int_equal(info.size, 1200);
    assert_int_equal(info.payload_len, 1162);
    assert_memory_equal(plain, frame, n);
    for (i = n; i < info.payload_len; i++) {
        assert_int_equal(plain[i], 0);
    }
}

/* RFC 9001 A.2: the client Initial decrypts to its published plaintext. */
static void
test_rfc9001_client_initial_opens(void **state)
{
    (void) state;
    check_rfc_packet_opens(rfc9001_client_initial, 1);
}

/* RFC 9369 A.2: likewise with QUIC version 2. */
static void
test_rfc9369_client_initial_opens(void **state)
{
    (void) state;
    check_rfc_packet_opens(rfc9369_client_initial, 0x6b3343cf);
}

/* The test-side sealer rebuilds the RFC 9001 A.2 packet exactly, so the
 * packets it builds for the other tests are protected correctly. */
static void
test_sealer_reproduces_rfc9001(void **state)
{
    uint8_t want[DGRAM_MAX], got[DGRAM_MAX], plain[1162];
    size_t n;

    (void) state;
    memset(plain, 0, sizeof plain);
    unhex(rfc9001_crypto_frame, plain, sizeof plain);
    n = unhex(rfc9001_client_initial, want, sizeof want);
    assert_int_equal(seal_initial(1, rfc_dcid, 2, plain, sizeof plain, got),
                     n);
    assert_memory_equal(got, want, n);
}

/* Parses the protected packet 'hex' and checks the metadata: the
 * ClientHello of the RFCs names example.com and offers ALPN "alpn". */
static void
check_rfc_packet_metadata(const char *hex, const char *version)
{
    uint8_t pkt[DGRAM_MAX];
    size_t len = unhex(hex, pkt, sizeof pkt);
    struct dpi_md md;

    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(pkt, len, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "example.com");
    assert_string_equal(md_str(&md, DPI_F_quic_alpn), "alpn");
    assert_string_equal(md_str(&md, DPI_F_quic_version), version);
    assert_null(dpi_md_get(&md, DPI_F__quic_crypto, NULL));
    dpi_md_destroy(&md);
}

/* The RFC 9001 client Initial gives its server name, ALPN and version. */
static void
test_rfc9001_client_initial_metadata(void **state)
{
    (void) state;
    check_rfc_packet_metadata(rfc9001_client_initial, "v1");
}

/* The RFC 9369 client Initial gives the same, as version 2. */
static void
test_rfc9369_client_initial_metadata(void **state)
{
    (void) state;
    check_rfc_packet_metadata(rfc9369_client_initial, "v2");
}

/* A server Initial (RFC 9001 A.3) cannot be opened with the client's keys
 * but is QUIC. */
static void
test_server_initial_is_quic(void **state)
{
    uint8_t pkt[256];
    size_t len = unhex(rfc9001_server_initial, pkt, sizeof pkt);
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(pkt, len, false, &md), DPI_PROTO_YES);
    assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
    assert_string_equal(md_str(&md, DPI_F_quic_version), "v1");
    dpi_md_destroy(&md);
}

/* --- Reassembly -------------------------------------------------------- */

/* A ClientHello whose end comes in a first datagram and its start in a
 * second (as a modern browser's two-datagram ClientHello may arrive): MORE,
 * with the bytes kept in _quic_crypto, then YES and the server name, with
 * _quic_crypto gone. */
static void
test_client_hello_over_two_datagrams(void **state)
{
    uint8_t ch[256], plain[1162], dgram[DGRAM_MAX];
    size_t ch_len = rfc_client_hello(ch, sizeof ch), len, n;
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);

    memset(plain, 0, sizeof plain);
    len = 0;
    add_crypto(plain, &len, ch, 100, ch_len);
    n = seal_initial(1, rfc_dcid, 0, plain, sizeof plain, dgram);
    assert_int_equal(parse(dgram, n, true, &md), DPI_PROTO_MORE);
    assert_non_null(dpi_md_get(&md, DPI_F__quic_crypto, NULL));
    assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));

    /* The same datagram again changes nothing. */
    assert_int_equal(parse(dgram, n, true, &md), DPI_PROTO_MORE);

    memset(plain, 0, sizeof plain);
    len = 0;
    add_crypto(plain, &len, ch, 0, 100);
    n = seal_initial(1, rfc_dcid, 1, plain, sizeof plain, dgram);
    assert_int_equal(parse(dgram, n, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "example.com");
    assert_null(dpi_md_get(&md, DPI_F__quic_crypto, NULL));
    dpi_md_destroy(&md);
}

/* Two Initial packets coalesced in one datagram, each with a piece of the
 * ClientHello, the later piece first. */
static void
test_client_hello_over_coalesced_packets(void **state)
{
    uint8_t ch[256], plain[600], dgram[DGRAM_MAX];
    size_t ch_len = rfc_client_hello(ch, sizeof ch), len, n;
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);
    memset(plain, 0, sizeof plain);
    len = 0;
    add_crypto(plain, &len, ch, 50, ch_len);
    n = seal_initial(1, rfc_dcid, 0, plain, sizeof plain, dgram);
    memset(plain, 0, sizeof plain);
    len = 0;
    add_crypto(plain, &len, ch, 0, 50);
    n += seal_initial(1, rfc_dcid, 1, plain, sizeof plain, dgram + n);
    assert_int_equal(parse(dgram, n, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "example.com");
    dpi_md_destroy(&md);
}

/* CRYPTO frames out of order and overlapping in one packet, mixed with
 * PING, ACK and PADDING frames. */
static void
test_client_hello_out_of_order_frames(void **state)
{
    uint8_t ch[256], plain[1162], dgram[DGRAM_MAX];
    size_t ch_len = rfc_client_hello(ch, sizeof ch), len = 0, n;
    static const uint8_t ack[] = { 0x02, 0x00, 0x00, 0x01, 0x00, 0x00,
                                   0x00 };
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);
    memset(plain, 0, sizeof plain);
    add_crypto(plain, &len, ch, 200, ch_len);
    plain[len++] = 0x01;                /* PING. */
    add_crypto(plain, &len, ch, 30, 120);
    memcpy(plain + len, ack, sizeof ack);
    len += sizeof ack;
    plain[len++] = 0x00;                /* PADDING. */
    add_crypto(plain, &len, ch, 100, 210);
    add_crypto(plain, &len, ch, 0, 40);
    n = seal_initial(1, rfc_dcid, 0, plain, sizeof plain, dgram);
    assert_int_equal(parse(dgram, n, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "example.com");
    dpi_md_destroy(&md);
}

/* --- Bad input --------------------------------------------------------- */

/* Every truncation of the RFC packet is parsed without reading past its
 * end (checked by the sanitizers and valgrind) and gives no server name;
 * the cut header is NO. */
static void
test_truncated_packets(void **state)
{
    uint8_t pkt[DGRAM_MAX], *copy;
    size_t len = unhex(rfc9001_client_initial, pkt, sizeof pkt), n;

    (void) state;
    for (n = 0; n < len; n++) {
        enum dpi_proto_result r;
        struct dpi_md md;

        /* An exact-size heap copy, so that reading past it is caught. */
        copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, pkt, n);
        dpi_md_init(&md, MD_MAX);
        r = parse(copy, n, true, &md);
        assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
        if (n < 22) {
            assert_int_equal(r, DPI_PROTO_NO);
        }
        dpi_md_destroy(&md);
        free(copy);
    }
}

/* A corrupted ciphertext does not authenticate: the packet is still QUIC,
 * with no server name. */
static void
test_corrupted_packet_is_quic_without_sni(void **state)
{
    uint8_t pkt[DGRAM_MAX];
    size_t len = unhex(rfc9001_client_initial, pkt, sizeof pkt);
    struct dpi_md md;

    (void) state;
    pkt[600] ^= 0x01;
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(pkt, len, true, &md), DPI_PROTO_YES);
    assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
    assert_null(dpi_md_get(&md, DPI_F__quic_crypto, NULL));
    dpi_md_destroy(&md);
}

/* Header lengths that overrun the datagram are NO: a connection id longer
 * than 20, a token length and a Length beyond the end, a varint cut. */
static void
test_lying_header_lengths(void **state)
{
    uint8_t pkt[DGRAM_MAX], bad[DGRAM_MAX];
    size_t len = unhex(rfc9001_client_initial, pkt, sizeof pkt);
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);

    memcpy(bad, pkt, len);
    bad[5] = 21;                        /* DCID length. */
    assert_int_equal(parse(bad, len, true, &md), DPI_PROTO_NO);

    memcpy(bad, pkt, len);
    bad[15] = 0x80 | 0x3f;              /* Token length 4-byte varint. */
    bad[16] = bad[17] = bad[18] = 0xff;
    assert_int_equal(parse(bad, len, true, &md), DPI_PROTO_NO);

    memcpy(bad, pkt, len);
    bad[16] = 0x7f;                     /* Length 0x3fff, past the end. */
    bad[17] = 0xff;
    assert_int_equal(parse(bad, len, true, &md), DPI_PROTO_NO);

    memcpy(bad, pkt, len);
    bad[15] = 0xc0;                     /* 8-byte token varint, cut. */
    assert_int_equal(parse(bad, 18, true, &md), DPI_PROTO_NO);

    assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
    dpi_md_destroy(&md);
}

/* Frames that lie: a CRYPTO frame at an offset near 2^62, one longer than
 * its packet, an ACK frame with 2^30 ranges, an unknown frame type.
 * Nothing is read out of bounds and no server name comes out. */
static void
test_bogus_frames(void **state)
{
    static const uint8_t frames[][12] = {
        /* CRYPTO, offset 2^62 - 1, length 4. */
        { 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x04,
          0x01, 0x00 },
        /* CRYPTO, offset 0, length 16383 (past the packet). */
        { 0x06, 0x00, 0x7f, 0xff, 0x01, 0x00, 0x00, 0xed },
        /* ACK with 2^30 - 1 ranges. */
        { 0x02, 0x05, 0x00, 0xbf, 0xff, 0xff, 0xff, 0x00, 0x01, 0x01 },
        /* STREAM frame: not allowed in Initial packets. */
        { 0x08, 0x00, 0x01, 0x00 },
    };
    uint8_t plain[1162], dgram[DGRAM_MAX];
    size_t i, n;

    (void) state;
    for (i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        enum dpi_proto_result r;
        struct dpi_md md;

        memset(plain, 0, sizeof plain);
        memcpy(plain, frames[i], sizeof frames[i]);
        n = seal_initial(1, rfc_dcid, 0, plain, sizeof plain, dgram);
        dpi_md_init(&md, MD_MAX);
        r = parse(dgram, n, true, &md);
        assert_true(r == DPI_PROTO_YES || r == DPI_PROTO_MORE);
        assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
        dpi_md_destroy(&md);
    }
}

/* A ClientHello that claims 16 MB: kept up to the reassembly limit, then
 * given up on, without reading out of bounds. */
static void
test_huge_client_hello(void **state)
{
    uint8_t plain[1162], dgram[DGRAM_MAX], ch[1100];
    size_t off, len, n;
    enum dpi_proto_result r = DPI_PROTO_MORE;
    struct dpi_md md;
    int i;

    (void) state;
    memset(ch, 0x41, sizeof ch);
    ch[0] = 1;
    ch[1] = ch[2] = ch[3] = 0xff;
    dpi_md_init(&md, MD_MAX);
    for (i = 0, off = 0; i < 8 && r == DPI_PROTO_MORE; i++) {
        memset(plain, 0, sizeof plain);
        len = 0;
        plain[len++] = 0x06;
        plain[len++] = 0x40 | (off >> 8);
        plain[len++] = off & 0xff;
        plain[len++] = 0x40 | (sizeof ch >> 8);
        plain[len++] = sizeof ch & 0xff;
        memcpy(plain + len, ch, sizeof ch);
        ch[0] = ch[1] = ch[2] = ch[3] = 0x41;
        n = seal_initial(1, rfc_dcid, i, plain, sizeof plain, dgram);
        r = parse(dgram, n, true, &md);
        off += sizeof ch;
    }
    assert_int_equal(r, DPI_PROTO_YES);
    assert_true(i <= 4);
    assert_null(dpi_md_get(&md, DPI_F__quic_crypto, NULL));
    dpi_md_destroy(&md);
}

/* A corrupted saved state is ignored. */
static void
test_bad_saved_state_is_ignored(void **state)
{
    uint8_t pkt[DGRAM_MAX], junk[300];
    size_t len = unhex(rfc9001_client_initial, pkt, sizeof pkt);
    struct dpi_md md;

    (void) state;
    memset(junk, 0xff, sizeof junk);
    junk[0] = 0x51;
    dpi_md_init(&md, MD_MAX);
    assert_true(dpi_md_set(&md, DPI_F__quic_crypto, junk, sizeof junk));
    assert_int_equal(parse(pkt, len, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "example.com");
    dpi_md_destroy(&md);
}

/* Short headers are MORE (nothing to check), bytes without the QUIC bits
 * NO, an unknown version with a sound invariant header YES, Version
 * Negotiation from the server YES. */
static void
test_other_headers(void **state)
{
    static const uint8_t short_hdr[] = { 0x43, 1, 2, 3, 4, 5, 6, 7, 8 };
    static const uint8_t not_quic[] = { 0x00, 1, 2, 3 };
    static const uint8_t unknown[] = { 0xc0, 0x12, 0x34, 0x56, 0x78, 0x04,
                                       1, 2, 3, 4, 0x00, 0xaa, 0xbb };
    static const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4,
                                  0, 0, 0, 1 };
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(short_hdr, sizeof short_hdr, true, &md),
                     DPI_PROTO_MORE);
    assert_int_equal(parse(not_quic, sizeof not_quic, true, &md),
                     DPI_PROTO_NO);
    assert_int_equal(parse(NULL, 0, true, &md), DPI_PROTO_NO);
    assert_int_equal(parse(unknown, sizeof unknown, true, &md),
                     DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_version), "0x12345678");
    assert_int_equal(parse(vn, sizeof vn, false, &md), DPI_PROTO_YES);
    dpi_md_destroy(&md);
}

/* Appends to 'p' at '*len' a CHLO message with tags SNI and UAID. */
static void
add_chlo(uint8_t *p, size_t *len, const char *sni, const char *uaid)
{
    static const char pad[] = "xxxx";
    size_t n = *len, end = 0;

    memcpy(p + n, "CHLO\x03\x00\x00\x00", 8);
    n += 8;
    memcpy(p + n, "PAD\0", 4);
    end += strlen(pad);
    p[n + 4] = end;
    p[n + 5] = p[n + 6] = p[n + 7] = 0;
    memcpy(p + n + 8, "SNI\0", 4);
    end += strlen(sni);
    p[n + 12] = end;
    p[n + 13] = p[n + 14] = p[n + 15] = 0;
    memcpy(p + n + 16, "UAID", 4);
    end += strlen(uaid);
    p[n + 20] = end;
    p[n + 21] = p[n + 22] = p[n + 23] = 0;
    n += 24;
    memcpy(p + n, pad, strlen(pad));
    n += strlen(pad);
    memcpy(p + n, sni, strlen(sni));
    n += strlen(sni);
    memcpy(p + n, uaid, strlen(uaid));
    n += strlen(uaid);
    *len = n;
}

/* Google QUIC with a clear CHLO: a Q043 public header and a Q046 long
 * header, both giving SNI and UAID; a CHLO whose tag table overruns the
 * datagram gives nothing. */
static void
test_gquic_clear_chlo(void **state)
{
    uint8_t p[256];
    size_t len;
    struct dpi_md md;

    (void) state;
    len = 0;
    p[len++] = 0x09;
    memset(p + len, 0x11, 8);
    len += 8;
    memcpy(p + len, "Q043", 4);
    len += 4;
    p[len++] = 0x01;                    /* Packet number. */
    memset(p + len, 0, 14);             /* Stream frame header, etc. */
    len += 14;
    add_chlo(p, &len, "www.example.org", "Chrome/99");
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(p, len, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "www.example.org");
    assert_string_equal(md_str(&md, DPI_F_quic_user_agent), "Chrome/99");
    assert_string_equal(md_str(&md, DPI_F_quic_version), "Q043");
    dpi_md_destroy(&md);

    len = 0;
    p[len++] = 0xc3;
    memcpy(p + len, "Q046", 4);
    len += 4;
    p[len++] = 0x50;
    memset(p + len, 0x22, 8);
    len += 8;
    memset(p + len, 0, 8);
    len += 8;
    add_chlo(p, &len, "play.example", "Cronet");
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(p, len, true, &md), DPI_PROTO_YES);
    assert_string_equal(md_str(&md, DPI_F_quic_sni), "play.example");
    assert_string_equal(md_str(&md, DPI_F_quic_user_agent), "Cronet");
    assert_string_equal(md_str(&md, DPI_F_quic_version), "Q046");

    /* The same, cut inside the tag values. */
    dpi_md_destroy(&md);
    dpi_md_init(&md, MD_MAX);
    assert_int_equal(parse(p, len - 8, true, &md), DPI_PROTO_YES);
    assert_null(dpi_md_get(&md, DPI_F_quic_sni, NULL));
    dpi_md_destroy(&md);
}

/* --- Corpus ------------------------------------------------------------ */

/* Client datagrams fed to the parser per flow at most (the engine's
 * inspection window is not longer). */
#define CORPUS_MAX_DATAGRAMS 16

/* Counts of the corpus comparison. */
struct quic_tally {
    int files;                  /* Captures read. */
    int flows;                  /* Flows with a QUIC server name. */
    int agree;                  /* Of those, how many agree. */
    int interop_flows;          /* Flows of quic_interop_V.pcapng. */
    int interop_agree;          /* Of those, how many agree. */
};

/* Feeds the client datagrams of flow 'row' of 'cap', in order, to the
 * parser until it decides, and stores the server name found (or "") in
 * 'sni' of 'size' bytes. */
static void
corpus_flow_sni(const struct pu_capture *cap, const struct pu_oracle *o,
                const struct pu_row *row, char *sni, size_t size)
{
    struct dpi_proto_ctx ctx = udp_ctx(true);
    struct dpi_md md;
    size_t i;
    int n = 0;

    dpi_md_init(&md, MD_MAX);
    for (i = 0; i < cap->n && n < CORPUS_MAX_DATAGRAMS; i++) {
        const struct dpi_pkt *pkt = &cap->pkts[i].pkt;
        enum dpi_proto_result r;

        if (!cap->pkts[i].ok || pkt->is_fragment || !pkt->payload_len
            || pu_match(o, row, pkt) != 1) {
            continue;
        }
        n++;
        r = dpi_quic_parse(&ctx, pkt->payload, pkt->payload_len, &md);
        if (r != DPI_PROTO_MORE) {
            break;
        }
    }
    snprintf(sni, size, "%s", md_str(&md, DPI_F_quic_sni));
    dpi_md_destroy(&md);
}

/* Compares the server name of every flow of capture 'name' that has one in
 * the oracle. */
static void
check_quic_pcap(const char *name, struct quic_tally *t)
{
    bool interop = !strcmp(name, "quic_interop_V.pcapng");
    char *pcap, *tsv, tsv_name[256];
    struct pu_capture cap;
    struct pu_oracle o;
    size_t j;

    snprintf(tsv_name, sizeof tsv_name, "%s.tsv", name);
    tsv = pu_corpus_path("oracle", tsv_name);
    if (!pu_oracle_load(tsv, &o)) {
        /* A capture without an oracle has nothing to compare. */
        free(tsv);
        return;
    }
    free(tsv);
    for (j = 0; j < o.n_rows; j++) {
        if (!strcmp(pu_cell(&o, &o.rows[j], "proto"), "udp")
            && pu_cell(&o, &o.rows[j], "quic_sni")[0]) {
            break;
        }
    }
    if (j == o.n_rows) {
        pu_oracle_destroy(&o);
        return;
    }
    pcap = pu_corpus_path("pcap", name);
    if (!pu_capture_load(pcap, &cap)) {
        fail_msg("cannot load %s", pcap);
    }
    free(pcap);
    t->files++;
    for (j = 0; j < o.n_rows; j++) {
        const struct pu_row *row = &o.rows[j];
        char want[256], got[256];

        if (strcmp(pu_cell(&o, row, "proto"), "udp")
            || !pu_cell_first(&o, row, "quic_sni", want, sizeof want)) {
            continue;
        }
        corpus_flow_sni(&cap, &o, row, got, sizeof got);
        t->flows++;
        t->interop_flows += interop;
        if (pu_cell_has(&o, row, "quic_sni", got, sizeof got - 1)) {
            t->agree++;
            t->interop_agree += interop;
        } else {
            print_message("%s flow %zu: quic_sni \"%s\", oracle says "
                          "\"%s\"\n", name, j + 1, got,
                          pu_cell(&o, row, "quic_sni"));
        }
    }
    pu_oracle_destroy(&o);
    pu_capture_destroy(&cap);
}

/* The server name of every QUIC flow of the corpus (every capture whose
 * oracle has a quic_sni) is the one tshark found. */
static void
test_corpus_quic_sni_matches_tshark(void **state)
{
    char *dir_name = pu_corpus_path("pcap", "");
    struct quic_tally t;
    struct dirent *de;
    DIR *dir;

    (void) state;
    if (!dir_name) {
        print_message("DPI_CORPUS_DIR unset or not a directory: "
                      "skipping corpus test\n");
        skip();
    }
    dir = opendir(dir_name);
    if (!dir) {
        fail_msg("cannot open %s", dir_name);
    }
    memset(&t, 0, sizeof t);
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] != '.') {
            check_quic_pcap(de->d_name, &t);
        }
    }
    closedir(dir);
    free(dir_name);
    print_message("quic_sni: %d captures, %d flows, %d agree with the "
                  "oracle (quic_interop_V.pcapng: %d of %d)\n", t.files,
                  t.flows, t.agree, t.interop_agree, t.interop_flows);
    assert_int_equal(t.agree, t.flows);
    assert_true(t.flows >= 200);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_hmac_sha256),
        cmocka_unit_test(test_rfc9001_client_keys),
        cmocka_unit_test(test_rfc9369_client_keys),
        cmocka_unit_test(test_unknown_version_has_no_keys),
        cmocka_unit_test(test_rfc9001_client_initial_opens),
        cmocka_unit_test(test_rfc9369_client_initial_opens),
        cmocka_unit_test(test_sealer_reproduces_rfc9001),
        cmocka_unit_test(test_rfc9001_client_initial_metadata),
        cmocka_unit_test(test_rfc9369_client_initial_metadata),
        cmocka_unit_test(test_server_initial_is_quic),
        cmocka_unit_test(test_client_hello_over_two_datagrams),
        cmocka_unit_test(test_client_hello_over_coalesced_packets),
        cmocka_unit_test(test_client_hello_out_of_order_frames),
        cmocka_unit_test(test_truncated_packets),
        cmocka_unit_test(test_corrupted_packet_is_quic_without_sni),
        cmocka_unit_test(test_lying_header_lengths),
        cmocka_unit_test(test_bogus_frames),
        cmocka_unit_test(test_huge_client_hello),
        cmocka_unit_test(test_bad_saved_state_is_ignored),
        cmocka_unit_test(test_other_headers),
        cmocka_unit_test(test_gquic_clear_chlo),
        cmocka_unit_test(test_corpus_quic_sni_matches_tshark),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
