-- 0011: the staff who sign in to the web console, and their sessions.
--
-- A member of staff belongs to an agency of the registry and signs in with
-- a password (an argon2id hash, hub/staff/password_hash.h) and a second
-- factor (TOTP; its secret sealed like a child's data, docs/encryption.md).
-- Failed attempts and the lock-out are here, not in a process's memory, so
-- that every hub process sharing the database counts the same attempts.
--
-- A session is stored as the SHA-256 of its token, never the token: a copy
-- of the table lets no one sign in. Any hub process answers any request of
-- any session. Times are UTC, DATETIME(6) (good past 2038).

CREATE TABLE IF NOT EXISTS staff (
  -- The sign-in name, e.g. "a.khan".
  username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  agency_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- cre.v1.StaffRole's name, e.g. STAFF_ROLE_CPM.
  role VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- The TOTP secret, sealed.
  totp_secret VARBINARY(255) NOT NULL,
  -- The last TOTP time step accepted: a code is good once.
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  failed_attempts INT NOT NULL DEFAULT 0,
  last_failure_at DATETIME(6) NULL,
  locked_until DATETIME(6) NULL,
  disabled_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (username),
  KEY staff_agency (agency_id),
  CONSTRAINT staff_agency_fk FOREIGN KEY (agency_id) REFERENCES agency (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS staff_session (
  -- SHA-256 of the session token the browser holds in its cookie.
  token_sha256 BINARY(32) NOT NULL,
  username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  -- created_at plus the absolute lifetime: the session ends then whatever.
  expires_at DATETIME(6) NOT NULL,
  PRIMARY KEY (token_sha256),
  KEY staff_session_username (username),
  CONSTRAINT staff_session_staff_fk FOREIGN KEY (username) REFERENCES staff (username) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
