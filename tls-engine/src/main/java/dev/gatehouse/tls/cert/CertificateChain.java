package dev.gatehouse.tls.cert;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain, leaf first, in one of two forms: the DER of each certificate (what the parser
 * produces from an upload), or the PEM text that a store already keeps for the same chain.
 *
 * <p>A node holding 100,000 stored certificates used to keep each chain twice, as the store record's
 * PEM string and as a DER copy in the engine's bundle (about 500 bytes per certificate). A chain
 * made with {@link #ofPem} holds a reference to the store's string instead, and decodes the DER when
 * asked ({@link #der()}): when a TLS credential or context is built, where a base64 decode of a few
 * hundred bytes sits beside a native parse of the same certificates.
 */
public final class CertificateChain {

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    /** The DER certificates, or null when this chain is held as {@link #pem}. */
    private final List<byte[]> der;
    private final String pem;

    private CertificateChain(List<byte[]> der, String pem) {
        this.der = der;
        this.pem = pem;
    }

    /** A chain held as the DER of each certificate, leaf first. */
    public static CertificateChain ofDer(List<byte[]> der) {
        List<byte[]> copy = List.copyOf(der);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: at least the leaf certificate)");
        }
        return new CertificateChain(copy, null);
    }

    /**
     * A chain held as PEM text: the CERTIFICATE blocks in order, leaf first; text around the blocks is
     * ignored. Decoded once here so that a chain that does not decode is refused when it is loaded, not
     * when a client first asks for it.
     *
     * @throws IllegalArgumentException when the text has no complete CERTIFICATE block, or a block's
     *                                  base64 does not decode
     */
    public static CertificateChain ofPem(String pem) {
        Objects.requireNonNull(pem, "pem");
        List<byte[]> decoded;
        try {
            decoded = decode(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("chain: a CERTIFICATE block is not valid base64: " + e.getMessage(), e);
        }
        if (decoded.isEmpty()) {
            throw new IllegalArgumentException("chain: no complete " + BEGIN + " block in " + pem.length() + " chars");
        }
        return new CertificateChain(null, pem);
    }

    /** The DER certificates, leaf first; a chain held as PEM decodes them on every call. */
    public List<byte[]> der() {
        return der != null ? der : decode(pem);
    }

    /** The PEM text this chain holds, or null when it holds DER ({@link #ofDer}). */
    public String pem() {
        return pem;
    }

    /**
     * The DER certificates of a PEM chain, found with indexOf rather than a regular expression (a node
     * joining 100,000 certificates spent most of this step in a regex's character-class matching). An
     * unterminated last block is left out.
     */
    static List<byte[]> decode(String pem) {
        List<byte[]> out = new ArrayList<>(2);
        Base64.Decoder mime = Base64.getMimeDecoder();
        int from = 0;
        while (true) {
            int begin = pem.indexOf(BEGIN, from);
            if (begin < 0) {
                return out;
            }
            int body = begin + BEGIN.length();
            int end = pem.indexOf(END, body);
            if (end < 0) {
                return out;
            }
            if (end > body) {
                out.add(mime.decode(pem.substring(body, end)));
            }
            from = end + END.length();
        }
    }
}
