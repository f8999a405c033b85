package dev.gatehouse.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.core.ServiceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostnamePolicyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"minTlsVersion\": \"1.3\"}",
        "{\"hsts\": {\"maxAge\": 31536000, \"includeSubDomains\": true, \"preload\": false}}",
        "{\"redirectHttp\": {\"enabled\": true, \"status\": 301}}",
        "{\"redirectHttp\": {\"enabled\": false}}",
        "{\"origin\": {\"pool\": \"alt\", \"host\": \"internal.example:8080\"}}",
        "{\"errorPages\": {\"429\": \"<p>slow down</p>\", \"503\": \"<p>down</p>\"}}",
        "{\"ipAllow\": [\"192.0.2.0/24\", \"2001:db8::/32\"], \"ipDeny\": [\"192.0.2.1\"], \"ipDenyAction\": \"alert\"}",
        "{\"rateLimit\": {\"requestsPerSecond\": 2.5, \"burst\": 10}}",
        "{\"metadata\": {\"tenant\": \"a\", \"plan\": {\"tier\": 3}}}",
    })
    void keepsAValidPolicyAsItsCanonicalJson(String json) throws Exception {
        HostnamePolicy p = HostnamePolicy.parse(JSON.readTree(json));
        assertThat(JSON.readTree(p.toJson().toString())).isEqualTo(JSON.readTree(json));
        assertThat(HostnamePolicy.fromStored(p.toJson().toString())).isEqualTo(p);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"minTlsVersion\": \"1.1\"}                       | minTlsVersion               | 1.1",
        "{\"minTlsVersion\": true}                          | minTlsVersion               | true",
        "{\"hsts\": {\"maxAge\": -1}}                       | hsts.maxAge                 | -1",
        "{\"hsts\": {\"maxAge\": 10, \"preload\": \"yes\"}} | hsts.preload                | yes",
        "{\"hsts\": {\"maxAge\": 10, \"max\": 1}}           | hsts.max                    | unknown field",
        "{\"redirectHttp\": {\"status\": 200}}              | redirectHttp.status         | 200",
        "{\"origin\": {\"host\": \"x.example\"}}            | origin.pool                 | null",
        "{\"origin\": {\"pool\": \"a\", \"host\": \"a b\"}} | origin.host                 | a b",
        "{\"errorPages\": {\"404\": \"x\"}}                 | errorPages.404              | unknown status",
        "{\"errorPages\": {\"503\": 7}}                     | errorPages.503              | number",
        "{\"ipAllow\": [\"192.0.2.0/24\", \"nope\"]}        | ipAllow                     | ipAllow[1]",
        "{\"ipDeny\": [\"2001:db8::/129\"]}                 | ipDeny                      | 2001:db8::/129",
        "{\"ipDenyAction\": \"drop\"}                       | ipDenyAction                | drop",
        "{\"rateLimit\": {\"requestsPerSecond\": -3}}       | rateLimit.requestsPerSecond | -3",
        "{\"rateLimit\": {\"requestsPerSecond\": 1, \"burst\": 0}} | rateLimit.burst      | 0",
        "{\"metadata\": [1, 2]}                             | metadata                    | array",
        "{\"tls\": \"1.3\"}                                 | tls                         | unknown field",
    })
    void refusesABadFieldNamingItAndTheValue(String json, String field, String value) throws Exception {
        ServiceException e = catchThrowableOfType(() -> HostnamePolicy.parse(JSON.readTree(json)),
                ServiceException.class);
        assertThat(e).as(json).isNotNull();
        assertThat(e.kind()).isEqualTo(ServiceException.Kind.MALFORMED);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(field).contains(value);
    }

    @org.junit.jupiter.api.Test
    void limitsMetadataTo4KiBOfCompactJson() throws Exception {
        String fits = "{\"metadata\": {\"k\": \"" + "x".repeat(4096 - 8) + "\"}}";
        assertThat(HostnamePolicy.parse(JSON.readTree(fits)).metadata()).isNotNull();
        String over = "{\"metadata\": {\"k\": \"" + "x".repeat(4096 - 7) + "\"}}";
        ServiceException e = catchThrowableOfType(() -> HostnamePolicy.parse(JSON.readTree(over)),
                ServiceException.class);
        assertThat(e.getMessage()).contains("metadata: 4097 bytes");
    }

    @org.junit.jupiter.api.Test
    void limitsAnErrorPageTo64KiBOfUtf8() throws Exception {
        int max = HostnamePolicy.MAX_ERROR_PAGE_BYTES;
        assertThat(max).isEqualTo(64 * 1024);
        String fits = "{\"errorPages\": {\"503\": \"" + "x".repeat(max) + "\"}}";
        assertThat(HostnamePolicy.parse(JSON.readTree(fits)).errorPages().get(503)).hasSize(max);
        // counted in UTF-8 bytes, not characters: 32,769 two-byte characters are 65,538 bytes
        String over = "{\"errorPages\": {\"503\": \"" + "\u00e9".repeat(max / 2 + 1) + "\"}}";
        ServiceException e = catchThrowableOfType(() -> HostnamePolicy.parse(JSON.readTree(over)),
                ServiceException.class);
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("errorPages.503");
        assertThat(e.getMessage()).contains("errorPages.503: " + (max + 2) + " bytes (expected: at most " + max + ")");
    }
}
