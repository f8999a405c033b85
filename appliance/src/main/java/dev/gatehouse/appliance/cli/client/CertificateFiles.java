package dev.gatehouse.appliance.cli.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where an upload's certificate and key come from (a picocli argument group): a PEM chain and a
 * PEM key, or a PKCS#12 file with its password in a file (never on the command line). The contents
 * go into the request body only.
 */
final class CertificateFiles {

    @ArgGroup(exclusive = false)
    PemFiles pem;

    @ArgGroup(exclusive = false)
    Pkcs12File pkcs12;

    /** {@code --cert} and {@code --key}. */
    static final class PemFiles {
        @Option(names = "--cert", required = true, paramLabel = "CHAIN.pem",
                description = "the certificate chain, PEM (leaf first or in any order)")
        Path cert;

        @Option(names = "--key", required = true, paramLabel = "KEY.pem",
                description = "the private key, PEM (PKCS#8, PKCS#1 or SEC1, unencrypted)")
        Path key;
    }

    /** {@code --pkcs12} and {@code --password-file}. */
    static final class Pkcs12File {
        @Option(names = "--pkcs12", required = true, paramLabel = "FILE.p12", description = "a PKCS#12 file with one key entry")
        Path file;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "file whose first line is the PKCS#12 password (default: empty password)")
        Path passwordFile;
    }

    /** Adds {@code certificatePem} + {@code privateKeyPem}, or {@code pkcs12} + {@code password}, to a request body. */
    void addTo(RequestBody body) throws BadOptionException {
        if (pem != null) {
            body.put("certificatePem", text("--cert", pem.cert));
            body.put("privateKeyPem", text("--key", pem.key));
        } else {
            body.put("pkcs12", Base64.getEncoder().encodeToString(bytes("--pkcs12", pkcs12.file)));
            if (pkcs12.passwordFile != null) {
                String password = text("--password-file", pkcs12.passwordFile);
                int eol = password.indexOf('\n');
                body.put("password", (eol < 0 ? password : password.substring(0, eol)).replaceAll("\r$", ""));
            }
        }
    }

    private static String text(String option, Path file) throws BadOptionException {
        return new String(bytes(option, file), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String option, Path file) throws BadOptionException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadOptionException(option, file + ": no such file");
        } catch (IOException e) {
            throw new BadOptionException(option, file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
