package fuse.backend.local.internal;

final class Placeholder { private Placeholder() {} }
