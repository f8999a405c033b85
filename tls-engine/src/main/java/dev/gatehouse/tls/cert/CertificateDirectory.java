package dev.gatehouse.tls.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;

/**
 * Loads every certificate bundle of a directory, in parallel. Two layouts are understood:
 * <ul>
 *   <li>{@code *.pem} files each holding a chain and its key (HAProxy's form), in the directory or
 *       in its {@code pem/} sub-directory;</li>
 *   <li>{@code certs/NAME.crt} with {@code keys/NAME.key}.</li>
 * </ul>
 * A bundle that does not parse is reported in {@link Result#errors()} and skipped; the others load.
 */
public final class CertificateDirectory {

    private CertificateDirectory() {
    }

    /** Loaded bundles (id = file base name) and the refusals. */
    public record Result(List<CertificateBundle> bundles, List<CertificateParseException> errors) {
    }

    public static Result load(Path dir, Instant now, int parallelism) throws IOException {
        List<Path[]> inputs = new ArrayList<>();
        Path pemDir = Files.isDirectory(dir.resolve("pem")) ? dir.resolve("pem") : dir;
        Path certs = dir.resolve("certs");
        Path keys = dir.resolve("keys");
        if (Files.isDirectory(certs) && Files.isDirectory(keys)) {
            try (Stream<Path> s = Files.list(certs)) {
                s.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().forEach(crt -> {
                    String base = baseName(crt);
                    inputs.add(new Path[] {crt, keys.resolve(base + ".key")});
                });
            }
        } else {
            try (Stream<Path> s = Files.list(pemDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".pem")).sorted()
                        .forEach(p -> inputs.add(new Path[] {p}));
            }
        }
        List<CertificateBundle> bundles = Collections.synchronizedList(new ArrayList<>(inputs.size()));
        List<CertificateParseException> errors = Collections.synchronizedList(new ArrayList<>());
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, parallelism));
        try {
            pool.submit(() -> inputs.parallelStream().forEach(in -> {
                String id = baseName(in[0]);
                try {
                    CertificateBundle b = in.length == 1
                            ? PemBundleParser.parseCombined(id, Files.readAllBytes(in[0]), now)
                            : PemBundleParser.parse(id, Files.readAllBytes(in[0]), readOrEmpty(in[1]), now);
                    bundles.add(b);
                } catch (CertificateParseException e) {
                    errors.add(e);
                } catch (IOException e) {
                    errors.add(new CertificateParseException(id, CertificateParseException.Reason.EMPTY,
                            "cannot read " + in[0] + ": " + e.getMessage(), e));
                }
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading " + dir, e);
        } catch (ExecutionException e) {
            throw new IOException("loading " + dir + " failed", e.getCause());
        } finally {
            pool.shutdown();
        }
        return new Result(List.copyOf(bundles), List.copyOf(errors));
    }

    private static byte[] readOrEmpty(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllBytes(p) : new byte[0];
    }

    private static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
