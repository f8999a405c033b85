package dev.gatehouse.cluster.vip.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ec2SettingsTest {

    @Test
    void defaultsSuitAnInstanceWithAnInstanceProfile() {
        Ec2Settings s = Ec2Settings.builder().build();

        assertThat(s.imdsEndpoint()).isEqualTo(URI.create("http://169.254.169.254"));
        assertThat(s.ec2Endpoint()).isEmpty();
        assertThat(s.region()).isEmpty();
        assertThat(s.credentials()).isEmpty();
        assertThat(s.callTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            imds   | ftp://169.254.169.254        | imdsEndpoint: 'ftp://169.254.169.254' (expected: http(s)://host[:port] without path, e.g. http://169.254.169.254)
            imds   | http://169.254.169.254/latest | imdsEndpoint: 'http://169.254.169.254/latest' (expected: http(s)://host[:port] without path, e.g. http://169.254.169.254)
            ec2    | ec2.eu-west-1.amazonaws.com  | ec2Endpoint: 'ec2.eu-west-1.amazonaws.com' (expected: http(s)://host[:port] without path, e.g. https://ec2.eu-west-1.amazonaws.com)
            region | Ireland                      | region: 'Ireland' (expected: a region such as eu-west-1, or unset to read it from instance metadata)
            region | eu-west                      | region: 'eu-west' (expected: a region such as eu-west-1, or unset to read it from instance metadata)
            timeout| 0                            | callTimeout: 0s (expected: 100ms..60s)
            timeout| 120000                       | callTimeout: 120s (expected: 100ms..60s)
            """)
    void rejectsBadValuesNamingFieldValueAndExpectation(String field, String value, String message) {
        Ec2Settings.Builder b = Ec2Settings.builder();
        switch (field) {
            case "imds" -> b.imdsEndpoint(URI.create(value));
            case "ec2" -> b.ec2Endpoint(URI.create(value));
            case "region" -> b.region(value);
            default -> b.callTimeout(Duration.ofMillis(Long.parseLong(value)));
        }

        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource({"us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-5", "cn-northwest-1"})
    void acceptsRealRegionNames(String region) {
        assertThat(Ec2Settings.builder().region(region).build().region()).contains(region);
    }

    @Test
    void acceptsAnIpv6ImdsEndpoint() {
        assertThat(Ec2Settings.builder().imdsEndpoint(URI.create("http://[fd00:ec2::254]")).build().imdsEndpoint())
                .hasHost("[fd00:ec2::254]");
    }

    @Test
    void kernelMacLookupNamesWhatIsWrong() {
        Ec2Settings.MacLookup kernel = Ec2Settings.MacLookup.kernel();

        assertThatThrownBy(() -> kernel.mac("gh-absent0")).hasMessage("interface gh-absent0: no such interface");
        assertThatThrownBy(() -> kernel.mac("lo")).hasMessage("interface lo: no Ethernet hardware address");
    }

    @Test
    void kernelMacLookupSpellsTheMacAsInstanceMetadataDoes() throws Exception {
        Optional<NetworkInterface> ethernet = NetworkInterface.networkInterfaces()
                .filter(n -> {
                    try {
                        return n.getHardwareAddress() != null && n.getHardwareAddress().length == 6;
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .findFirst();
        assumeTrue(ethernet.isPresent(),
                "SKIPPED LOUDLY: no Ethernet-like interface in this network namespace");

        assertThat(Ec2Settings.MacLookup.kernel().mac(ethernet.get().getName())).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    }
}
