package dev.gatehouse.appliance.events;

import dev.gatehouse.appliance.core.ServiceException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Checks a webhook URL: absolute {@code https} or {@code http}, a host, no user information (a
 * password in a URL ends up in logs), no fragment, at most {@value #MAX_LENGTH} characters. Each
 * refusal is {@code invalid-webhook-url} naming the field {@code url}.
 */
final class WebhookUrl {

    static final int MAX_LENGTH = 2048;

    private WebhookUrl() {
    }

    static URI check(String url) throws ServiceException {
        if (url == null || url.isBlank()) {
            throw refuse("url: missing (expected: an https:// or http:// URL)");
        }
        if (url.length() > MAX_LENGTH) {
            throw refuse("url: " + url.length() + " characters (expected: at most " + MAX_LENGTH + ")");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw refuse("url: '" + shorten(url) + "' does not parse (" + e.getReason() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw refuse("url: scheme '" + scheme + "' (expected: https or http)");
        }
        if (u.getRawUserInfo() != null) {
            throw refuse("url: has user information before '@' (expected: none; authenticate receivers by the "
                    + "signature header)");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw refuse("url: '" + shorten(url) + "' has no host");
        }
        if (u.getRawFragment() != null) {
            throw refuse("url: has a fragment '#...' (expected: none)");
        }
        return u;
    }

    private static ServiceException refuse(String detail) {
        return ServiceException.invalid("invalid-webhook-url", "url", detail);
    }

    private static String shorten(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
