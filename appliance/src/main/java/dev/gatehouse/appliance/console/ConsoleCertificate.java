package dev.gatehouse.appliance.console;

import dev.gatehouse.cluster.store.AtomicFiles;
import dev.gatehouse.tls.cert.PemWriter;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The console API's own TLS certificate: self-signed, made on first start under
 * {@code dataDir/console/} (names: the node name, localhost, 127.0.0.1 and the listen address).
 * Clients pin it ({@code gatehouse --cacert dataDir/console/console.crt}); an operator can replace
 * the two files with a certificate from their own CA.
 */
public final class ConsoleCertificate {

    private ConsoleCertificate() {
    }

    /** Returns {@code [certFile, keyFile]}, creating them when absent. */
    public static Path[] ensure(Path dataDir, String nodeName, InetAddress listen) throws IOException {
        Path dir = dataDir.resolve("console");
        Path cert = dir.resolve("console.crt");
        Path key = dir.resolve("console.key");
        if (Files.exists(cert) && Files.exists(key)) {
            return new Path[] {cert, key};
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            X500Name subject = new X500Name("CN=gatehouse console " + nodeName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), subject, kp.getPublic());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.dNSName, "localhost"));
            if (nodeName.matches("[A-Za-z0-9.-]+")) {
                names.add(new GeneralName(GeneralName.dNSName, nodeName));
            }
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            if (listen != null && !listen.isAnyLocalAddress() && !listen.isLoopbackAddress()) {
                names.add(new GeneralName(GeneralName.iPAddress, listen.getHostAddress()));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            X509Certificate c = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            AtomicFiles.write(key, PemWriter.privateKey(kp.getPrivate()));
            AtomicFiles.write(cert, PemWriter.certificates(List.of(c)));
            return new Path[] {cert, key};
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot create the console certificate in " + dir, e);
        }
    }
}
