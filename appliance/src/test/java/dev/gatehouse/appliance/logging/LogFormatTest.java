package dev.gatehouse.appliance.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LogFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("dev.gatehouse.tls.sni.TenantSniHandler");

    LogFormatTest() {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }

    private LoggingEvent event(String message, Object... args) {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, null, args);
        e.setTimeStamp(Instant.parse("2026-03-04T05:06:07.089Z").toEpochMilli());
        return e;
    }

    @Test
    void jsonEncoderWritesOneParseableObjectPerLineWithAUtcTimestamp() throws Exception {
        byte[] bytes = LogFormat.json(context).encode(event("event=handshake_refused reason={} sni={} \"quoted\"\n"
                + "second line", "unknown-name", "x.example"));
        String line = new String(bytes, StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode j = JSON.readTree(line);
        assertThat(Instant.ofEpochMilli(j.get("timestamp").asLong()).atOffset(ZoneOffset.UTC).toString())
                .isEqualTo("2026-03-04T05:06:07.089Z");
        assertThat(j.get("level").asText()).isEqualTo("WARN");
        assertThat(j.get("loggerName").asText()).isEqualTo("dev.gatehouse.tls.sni.TenantSniHandler");
        assertThat(j.get("formattedMessage").asText()).isEqualTo(
                "event=handshake_refused reason=unknown-name sni=x.example \"quoted\"\nsecond line");
        assertThat(j.has("arguments")).as("arguments repeat the message").isFalse();
    }

    @Test
    void switchesTheRootStreamAppendersToJson() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> app = new OutputStreamAppender<>();
        app.setContext(context);
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z', UTC} %-5level %logger{0} %msg%n"); // logback.xml's
        text.start();
        app.setEncoder(text);
        app.setOutputStream(sink);
        app.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(app);
        logger.info("before");
        assertThat(sink.toString(StandardCharsets.UTF_8)).matches(Pattern.compile(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  TenantSniHandler before\\n"));
        sink.reset();
        LogFormat.apply(context, LogFormat.Kind.JSON);
        logger.info("after");
        JsonNode j = JSON.readTree(sink.toString(StandardCharsets.UTF_8));
        assertThat(j.get("formattedMessage").asText()).isEqualTo("after");
    }

    @Test
    void textLeavesTheConfiguredEncoder() {
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> app = new OutputStreamAppender<>();
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        app.setEncoder(text);
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(app);
        LogFormat.apply(context, LogFormat.Kind.TEXT);
        assertThat(app.getEncoder()).isSameAs(text);
    }
}
