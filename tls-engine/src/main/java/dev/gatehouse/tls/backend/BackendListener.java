package dev.gatehouse.tls.backend;

/** Receives what happens on a backend connection while an exchange is attached to it. */
public interface BackendListener {

    /** A decoded response part (or raw bytes once tunnelling); ownership passes to the listener. */
    void onBackendMessage(Object msg);

    /** The backend connection closed. */
    void onBackendInactive();

    /** Nothing moved on the backend connection for its idle timeout. */
    void onBackendIdle();
}
