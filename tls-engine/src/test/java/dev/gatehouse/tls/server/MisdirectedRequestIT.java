package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.testing.TestEdgeExtension;
import dev.gatehouse.tls.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real curl, over HTTP/1.1 and HTTP/2, asking a connection for a host its certificate does not
 * cover: 421 (RFC 9110 §15.5.20) exactly there, 200 everywhere else. curl sends {@code -H 'Host: …'}
 * as the Host header over HTTP/1.1 and as {@code :authority} over HTTP/2.
 */
class MisdirectedRequestIT {

    private static final List<String> FLAGS = List.of("--http1.1", "--http2");
    @RegisterExtension
    static final TestEdgeExtension EDGE = new TestEdgeExtension(edge -> {
        edge.serveEc("tenant-a", "app.tenant-a.test");
        edge.serveEc("tenant-b", "*.tenant-b.test");
        edge.serveEc("fallback", "fallback.gatehouse.test");
        edge.registry.setDefault("fallback"); // no SNI, or an unknown one, gets this certificate
    });

    private static List<String> curlArgs(String flag, String urlHost, String hostHeader, boolean insecure) {
        int port = EDGE.edge().port();
        List<String> cmd = new ArrayList<>(List.of(flag, "--cacert", EDGE.edge().caFile.toString()));
        if (!urlHost.equals("127.0.0.1")) {
            cmd.addAll(List.of("--resolve", urlHost + ":" + port + ":127.0.0.1"));
        }
        if (insecure) {
            cmd.add("-k"); // the default certificate does not name the URL's host; that is the point
        }
        if (!hostHeader.equals("-")) {
            cmd.addAll(List.of("-H", "Host: " + hostHeader.replace("{port}", String.valueOf(port))));
        }
        cmd.addAll(List.of("-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                "https://" + urlHost + ":" + port + "/who"));
        return cmd;
    }

    private static Tools.Result curl(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS"));
        cmd.addAll(args);
        return Tools.run(cmd, null, 30);
    }

    @ParameterizedTest(name = "connection for {0} asked for Host ''{1}'' → {3}")
    @CsvSource(delimiter = '|', value = { // "-": curl's own Host (the URL's)
        // exact-name certificate
        "app.tenant-a.test   | -                              | false | 200",
        "app.tenant-a.test   | app.tenant-a.test:{port}       | false | 200",
        "app.tenant-a.test   | APP.Tenant-A.test.             | false | 200",
        "app.tenant-a.test   | other.name                     | false | 421",
        "app.tenant-a.test   | other.name:{port}              | false | 421",
        "app.tenant-a.test   | x.tenant-b.test                | false | 421",
        // wildcard certificate
        "x.tenant-b.test     | -                              | false | 200",
        "x.tenant-b.test     | y.tenant-b.test                | false | 200",
        "x.tenant-b.test     | y.tenant-b.test:{port}         | false | 200",
        "x.tenant-b.test     | tenant-b.test                  | false | 421",
        "x.tenant-b.test     | a.b.tenant-b.test              | false | 421",
        "x.tenant-b.test     | app.tenant-a.test:{port}       | false | 421",
        "x.tenant-b.test     | [::1]:{port}                   | false | 421",
        // no SNI (an IP in the URL) or an unknown SNI: the default certificate, which covers only its own name
        "127.0.0.1           | -                              | true  | 421",
        "127.0.0.1           | fallback.gatehouse.test        | true  | 200",
        "127.0.0.1           | fallback.gatehouse.test:{port} | true  | 200",
        "127.0.0.1           | app.tenant-a.test              | true  | 421",
        "unknown.test        | -                              | true  | 421",
        "unknown.test        | fallback.gatehouse.test        | true  | 200",
        "unknown.test        | x.tenant-b.test                | true  | 421",
    })
    void answers421ExactlyWhereTheServedCertificateDoesNotCoverTheHost(String urlHost, String hostHeader,
            boolean insecure, int expected) {
        Tools.require("curl");
        for (String flag : FLAGS) {
            long before = EDGE.edge().edge.metrics().get("http.misdirected");
            Tools.Result r = curl(curlArgs(flag, urlHost, hostHeader, insecure));
            assertThat(r.exitCode()).as(flag + ": " + r.stderr()).isZero();
            assertThat(r.stdout()).as(flag).isEqualTo(expected + " 1\n");
            assertThat(EDGE.edge().edge.metrics().get("http.misdirected") - before).as(flag + " http.misdirected")
                    .isEqualTo(expected == 421 ? 1 : 0);
        }
    }

    @ParameterizedTest(name = "curl {0}")
    @ValueSource(strings = {"--http1.1", "--http2"})
    void keepsTheConnectionUsableAfter421(String flag) {
        Tools.require("curl");
        // --next keeps curl's connection cache: the second transfer reuses the first one's connection
        List<String> args = new ArrayList<>(curlArgs(flag, "app.tenant-a.test", "other.name", false));
        args.add("--next");
        args.addAll(curlArgs(flag, "app.tenant-a.test", "-", false));
        Tools.Result r = curl(args);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("421 1\n200 0\n");
    }
}
