package dev.gatehouse.tls.cert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Whether a private key is the one of a certificate's public key, for {@link PemBundleParser}:
 * RSA by modulus and exponent; EC by the public point the key file carries (openssl always writes
 * it), else by signing and verifying a challenge. So bulk loads of trusted files stay cheap while
 * no mismatched pair is ever accepted.
 */
final class KeyMatch {

    private KeyMatch() {
    }

    static boolean matches(PublicKey pub, PrivateKeyInfo keyInfo, PrivateKey key) {
        if (key instanceof RSAPrivateCrtKey rsa && pub instanceof RSAPublicKey rsaPub) {
            return rsa.getModulus().equals(rsaPub.getModulus())
                    && rsa.getPublicExponent().equals(rsaPub.getPublicExponent());
        }
        if (pub instanceof ECPublicKey && "EC".equals(key.getAlgorithm())) {
            byte[] embedded = embeddedEcPublicKey(keyInfo);
            byte[] certPoint = SubjectPublicKeyInfo.getInstance(pub.getEncoded()).getPublicKeyData().getBytes();
            if (embedded != null) {
                return Arrays.equals(embedded, certPoint) && possesses(pub, key, "SHA256withECDSA", false);
            }
            return possesses(pub, key, "SHA256withECDSA", true);
        }
        if (pub instanceof RSAPublicKey && "RSA".equals(key.getAlgorithm())) {
            return possesses(pub, key, "SHA256withRSA", true);
        }
        return false;
    }

    static byte[] embeddedEcPublicKey(PrivateKeyInfo keyInfo) {
        try {
            org.bouncycastle.asn1.ASN1BitString pub = ECPrivateKey.getInstance(keyInfo.parsePrivateKey()).getPublicKey();
            return pub == null ? null : pub.getBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Proves that {@code key} is the private half of {@code pub} by signing a challenge. When
     * {@code required} is false the embedded public key already matched and the check is skipped:
     * BoringSSL verifies the scalar against the public point again when the context is built.
     */
    private static boolean possesses(PublicKey pub, PrivateKey key, String algorithm, boolean required) {
        if (!required) {
            return true;
        }
        try {
            byte[] challenge = "gatehouse key-match".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(challenge);
            return verifier.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
