package fuse.shell.internal;

final class Placeholder { private Placeholder() {} }
