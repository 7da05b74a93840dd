package dev.portcullis.identity;

/** Who is calling the gateway. Grows with virtual keys, OAuth users and personas. */
public record Principal(String id, String kind) {}
