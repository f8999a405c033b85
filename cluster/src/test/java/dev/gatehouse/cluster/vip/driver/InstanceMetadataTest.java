package dev.gatehouse.cluster.vip.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** IMDSv2 against a fake metadata service that refuses IMDSv1. */
class InstanceMetadataTest {

    @RegisterExtension
    final FakeImds imds = new FakeImds().nic("0a:1b:2c:3d:4e:5f", "eni-0aaaaaaaaaaaaaaa1");

    private InstanceMetadata metadata() {
        return new InstanceMetadata(imds.endpoint(), Duration.ofSeconds(2), Clock.systemUTC());
    }

    @Test
    void takesATokenFirstAndSendsItWithEveryGet() throws Exception {
        InstanceMetadata metadata = metadata();

        assertThat(metadata.get("instance-id")).isEqualTo("i-0a1b2c3d4e5f60718");
        assertThat(metadata.get("network/interfaces/macs/0a:1b:2c:3d:4e:5f/interface-id"))
                .isEqualTo("eni-0aaaaaaaaaaaaaaa1");

        assertThat(imds.requests()).extracting(FakeImds.Request::method, FakeImds.Request::path).containsExactly(
                tuple("PUT", "/latest/api/token"),
                tuple("GET", "/latest/meta-data/instance-id"),
                tuple("GET", "/latest/meta-data/network/interfaces/macs/0a:1b:2c:3d:4e:5f/interface-id"));
        assertThat(imds.requests().get(0).ttl()).isEqualTo("21600");
        assertThat(imds.requests().get(0).token()).isNull();
        assertThat(imds.requests().subList(1, 3)).allSatisfy(r -> assertThat(imds.issued(r.token())).isTrue());
    }

    @Test
    void renewsATokenTheServiceNoLongerAcceptsOnce() throws Exception {
        InstanceMetadata metadata = metadata();
        metadata.get("instance-id");
        imds.expireTokens();

        assertThat(metadata.get("placement/region")).isEqualTo("eu-west-1");

        assertThat(imds.requests()).extracting(FakeImds.Request::method, FakeImds.Request::path).containsExactly(
                tuple("PUT", "/latest/api/token"),
                tuple("GET", "/latest/meta-data/instance-id"),
                tuple("GET", "/latest/meta-data/placement/region"),
                tuple("PUT", "/latest/api/token"),
                tuple("GET", "/latest/meta-data/placement/region"));
        assertThat(imds.requests().get(4).token()).isNotEqualTo(imds.requests().get(2).token());
    }

    @Test
    void refusedTokenIsAnErrorNotAFallbackToImdsV1() {
        imds.tokenStatus(403);

        assertThatThrownBy(() -> metadata().get("instance-id"))
                .hasMessage("instance metadata api/token: IMDSv2 token request answered HTTP 403"
                        + " (IMDS is disabled on this instance)");
        assertThat(imds.requests()).extracting(FakeImds.Request::method).containsExactly("PUT");
    }

    @Test
    void missingItemNamesThePath() {
        assertThatThrownBy(() -> metadata().get("network/interfaces/macs/02:00:00:00:00:99/interface-id"))
                .hasMessage("instance metadata network/interfaces/macs/02:00:00:00:00:99/interface-id:"
                        + " HTTP 404 (no such metadata item)");
    }

    @Test
    void unreachableServiceNamesTheEndpoint() throws IOException {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        InstanceMetadata metadata = new InstanceMetadata(closed, Duration.ofSeconds(2), Clock.systemUTC());

        assertThatThrownBy(() -> metadata.get("instance-id"))
                .hasMessageStartingWith("instance metadata api/token: cannot reach " + closed);
    }
}
