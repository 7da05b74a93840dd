package dev.portcullis.ui;

/** What a console session may do. */
enum Role {
  /** A visitor who has not signed in yet: the session only carries the sign-in form's CSRF token. */
  SIGNED_OUT,
  /** Signed in with a read-only key: sees every page, changes nothing. */
  READ_ONLY,
  /** Signed in with the admin key. */
  ADMIN;

  boolean signedIn() {
    return this != SIGNED_OUT;
  }

  boolean mayChange() {
    return this == ADMIN;
  }

  String label() {
    return switch (this) {
      case ADMIN -> "admin";
      case READ_ONLY -> "read-only";
      case SIGNED_OUT -> "signed out";
    };
  }
}
