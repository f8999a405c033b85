package dev.gatehouse.appliance.cli.client;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the console is, which token to send and which certificate to trust, resolved from the
 * options, then the environment, then the appliance's default paths. Explicit options win over the
 * environment so that a one-off command can override a shell's settings.
 */
record ConsoleSettings(URI console, String token, Path cacert) {

    static final String DEFAULT_CONSOLE = "https://127.0.0.1:9443";
    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/lib/gatehouse/admin.token");
    static final Path DEFAULT_CACERT = Path.of("/var/lib/gatehouse/console/console.crt");

    static ConsoleSettings resolve(ConsoleOptions o, Map<String, String> env) throws BadOptionException {
        return resolve(o, env, DEFAULT_TOKEN_FILE, DEFAULT_CACERT);
    }

    /** As {@link #resolve(ConsoleOptions, Map)}, with the default paths given (tests). */
    static ConsoleSettings resolve(ConsoleOptions o, Map<String, String> env, Path defaultTokenFile,
            Path defaultCacert) throws BadOptionException {
        URI console = o.console != null ? url("--console", o.console)
                : env.get("GATEHOUSE_CONSOLE") != null ? url("GATEHOUSE_CONSOLE", env.get("GATEHOUSE_CONSOLE"))
                : url("--console", DEFAULT_CONSOLE);
        return new ConsoleSettings(console, token(o, env, defaultTokenFile), cacert(o, env, defaultCacert));
    }

    private static URI url(String source, String value) throws BadOptionException {
        URI uri = null;
        try {
            uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
        } catch (URISyntaxException e) {
            // reported below
        }
        if (uri == null || !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new BadOptionException(source, "'" + value + "' (expected: https://host:port; the console speaks HTTPS only)");
        }
        return uri;
    }

    private static String token(ConsoleOptions o, Map<String, String> env, Path defaultFile) throws BadOptionException {
        if (o.token != null && o.tokenFile != null) {
            throw new BadOptionException("--token", "given with --token-file (expected: one of them)");
        }
        if (o.token != null) {
            return checked("--token", o.token.trim());
        }
        if (o.tokenFile != null) {
            return checked("--token-file", read("--token-file", o.tokenFile));
        }
        if (env.get("GATEHOUSE_TOKEN") != null) {
            return checked("GATEHOUSE_TOKEN", env.get("GATEHOUSE_TOKEN").trim());
        }
        if (Files.isReadable(defaultFile)) {
            return checked(defaultFile.toString(), read(defaultFile.toString(), defaultFile));
        }
        throw new BadOptionException("--token", "missing (expected: --token-file FILE, GATEHOUSE_TOKEN, or a readable "
                + defaultFile + ")");
    }

    /** Refuses what cannot be an HTTP header value, without echoing it: it may be a secret. */
    private static String checked(String source, String token) throws BadOptionException {
        if (token.isEmpty()) {
            throw new BadOptionException(source, "empty (expected: a token ghk_<id>_<secret>)");
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new BadOptionException(source, "not a token: spaces, line breaks or non-ASCII characters "
                    + "(expected: one line ghk_<id>_<secret>)");
        }
        return token;
    }

    private static String read(String source, Path file) throws BadOptionException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            throw new BadOptionException(source, file + ": no such file");
        } catch (IOException e) {
            throw new BadOptionException(source, file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static Path cacert(ConsoleOptions o, Map<String, String> env, Path defaultFile) throws BadOptionException {
        if (o.cacert != null) {
            return existing("--cacert", o.cacert);
        }
        if (env.get("GATEHOUSE_CACERT") != null) {
            return existing("GATEHOUSE_CACERT", Path.of(env.get("GATEHOUSE_CACERT")));
        }
        return Files.isReadable(defaultFile) ? defaultFile : null;
    }

    private static Path existing(String source, Path file) throws BadOptionException {
        if (!Files.isReadable(file)) {
            throw new BadOptionException(source, file + ": " + (Files.exists(file) ? "not readable" : "no such file")
                    + " (expected: the console's PEM certificate, e.g. " + DEFAULT_CACERT + ")");
        }
        return file;
    }

    /** Without the token: a record's default {@code toString} would print it. */
    @Override
    public String toString() {
        return "ConsoleSettings[console=" + console + ", cacert=" + cacert + "]";
    }
}
