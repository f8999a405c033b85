package dev.gatehouse.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.appliance.testing.TestJvm;
import dev.gatehouse.tls.testing.Tools;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the packaged jar's {@code demo} serves tenants by SNI on loopback. */
class DemoCommandIT {

    @Test
    void demoServesTenantsBySniAndProxiesToItsBackend(@TempDir Path dir) throws Exception {
        Tools.require("curl");
        Path jar = Path.of("target", "gatehouse.jar");
        assertThat(jar).exists();
        List<String> cmd = TestJvm.launcher();
        cmd.addAll(List.of("-jar", jar.toString(), "demo", "--https-port", "0", "--http-port", "0",
                "--console-port", "0", "--metrics-port", "0", "--dir", dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern up = Pattern.compile("HTTPS on 127\\.0\\.0\\.1:(\\d+), HTTP on 127\\.0\\.0\\.1:(\\d+)");
            int https = -1;
            int http = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (https < 0 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                Matcher m = up.matcher(line);
                if (m.find()) {
                    https = Integer.parseInt(m.group(1));
                    http = Integer.parseInt(m.group(2));
                }
            }
            assertThat(https).as("demo printed its ports").isPositive();
            String accessLogLine = null;
            while (accessLogLine == null && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                if (line.contains("Access log")) {
                    accessLogLine = line;
                }
            }
            Path accessLog = dir.resolve("access.log").toAbsolutePath();
            assertThat(accessLogLine).as("demo says where its access log is").endsWith(accessLog.toString());
            Path ca = dir.resolve("ca.crt");
            assertThat(Files.readString(ca)).contains("BEGIN CERTIFICATE");

            Tools.Result a = Tools.run(List.of("curl", "-sS", "--cacert", ca.toString(), "--resolve",
                    "demo.tenant-a.test:" + https + ":127.0.0.1", "https://demo.tenant-a.test:" + https + "/"), null, 20);
            assertThat(a.stdout()).as(a.stderr()).contains("backend: demo-backend-").contains("x-forwarded-proto: https");
            Tools.Result b = Tools.run(List.of("curl", "-sS", "--http2", "--cacert", ca.toString(), "--resolve",
                    "app.tenant-b.test:" + https + ":127.0.0.1", "-w", "%{http_version}",
                    "https://app.tenant-b.test:" + https + "/hello"), null, 20);
            assertThat(b.stdout()).as(b.stderr()).contains("request: GET /hello").endsWith("2");
            Tools.Result redirect = Tools.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                    "-H", "Host: demo.tenant-a.test", "http://127.0.0.1:" + http + "/x"), null, 20);
            assertThat(redirect.stdout()).isEqualTo("308 https://demo.tenant-a.test:" + https + "/x");

            Pattern metricsLine = Pattern.compile("Prometheus metrics \\(plain HTTP, loopback\\): (http://\\S+/metrics)");
            String metricsUrl = null;
            while (metricsUrl == null && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                Matcher m = metricsLine.matcher(line);
                if (m.find()) {
                    metricsUrl = m.group(1);
                }
            }
            assertThat(metricsUrl).as("demo printed its metrics URL").isNotNull();
            Tools.Result scrape = Tools.run(List.of("curl", "-sS", metricsUrl), null, 20);
            assertThat(scrape.stdout()).as(scrape.stderr()).contains("gatehouse_connections_accepted_total")
                    .contains("gatehouse_certificates{state=\"served\"}");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    Files.exists(accessLog) && Files.readString(accessLog).contains("\"path\":\"/hello\""));
            assertThat(Files.readString(accessLog)).contains("\"host\":\"demo.tenant-a.test:" + https + "\"")
                    .contains("\"tenant\":\"tenant-b\"");
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
