package dev.gatehouse.cluster.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Held as bytes, written as the same base64 text as when it held strings. */
class SealedValueTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesTheJsonItAlwaysWrote() throws Exception {
        SealedValue v = new SealedValue("0e4c4b19650a5eb1", "5h7qUWaPyUfXthPQ", "SFppl6vHBdWbxjI6Pu+HXLPIEIyv");
        assertThat(JSON.writeValueAsString(v)).isEqualTo(
                "{\"keyId\":\"0e4c4b19650a5eb1\",\"nonce\":\"5h7qUWaPyUfXthPQ\",\"ciphertext\":\"SFppl6vHBdWbxjI6Pu+HXLPIEIyv\"}");
        assertThat(v.nonce()).isEqualTo("5h7qUWaPyUfXthPQ");
        assertThat(v.nonceBytes()).hasSize(12);
    }

    @Test
    void readsTheSealedKeyOfARecordWrittenWhenItHeldStrings() throws Exception {
        // the compat fixture of the first release, written by the string-holding SealedValue
        String file = Files.readString(Path.of("src/test/resources/compat/v1/store/certificates/6372745f636f6d706174.json"));
        SealedValue v = JSON.treeToValue(JSON.readTree(file).get("sealedKey"), SealedValue.class);
        assertThat(v).isEqualTo(new SealedValue("0e4c4b19650a5eb1", "5h7qUWaPyUfXthPQ",
                JSON.readTree(file).get("sealedKey").get("ciphertext").asText()));
        assertThat(JSON.readValue(JSON.writeValueAsString(v), SealedValue.class)).isEqualTo(v);
        assertThat(JSON.readTree(JSON.writeValueAsString(v))).isEqualTo(JSON.readTree(file).get("sealedKey"));
    }

    @Test
    void equalByContentNotByArray() {
        SealedValue a = new SealedValue("k", "bm9uY2U=", "c2VhbGVk");
        SealedValue b = new SealedValue("k", "bm9uY2U=", "c2VhbGVk");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new SealedValue("k", "bm9uY2U=", "c2VhbGVl"));
        assertThat(a.toString()).isEqualTo("SealedValue[keyId=k]").doesNotContain("c2VhbGVk");
    }

    @Test
    void textThatIsNotBase64IsRefusedByField() {
        assertThatThrownBy(() -> new SealedValue("k", "no*nce", "c2VhbGVk"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("nonce: not base64");
        assertThatThrownBy(() -> new SealedValue("k", "bm9uY2U=", "c2Vh%GVk"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ciphertext: not base64");
        assertThatThrownBy(() -> JSON.readValue("{\"keyId\":\"k\",\"nonce\":\"no*nce\",\"ciphertext\":\"c2VhbGVk\"}",
                SealedValue.class)).hasMessageContaining("nonce");
        assertThat(new String(new SealedValue("k", "bm9uY2U=", "c2VhbGVk").ciphertextBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("sealed");
    }
}
