package org.adaptrobot.drivers.hil;

/** A hardware-in-the-loop link that cannot be set up: the message says where and why. */
public final class HilException extends RuntimeException {
  public HilException(String message) {
    super(message);
  }
}
