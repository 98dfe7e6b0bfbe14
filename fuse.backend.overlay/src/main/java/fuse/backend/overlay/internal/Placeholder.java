package fuse.backend.overlay.internal;

final class Placeholder { private Placeholder() {} }
