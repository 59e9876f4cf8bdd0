-- 0001: the agencies of the registry, as the database knows them, so that
-- stored messages and deliveries can refer to an agency by id.
--
-- Migration files: NNNN_name.sql, applied in order by the hub or by
-- `hubctl migrate`, recorded in schema_migrations with a SHA-256 of the
-- file. An applied file must never change; add a new one instead. Each
-- statement ends with ';' at the end of a line. MariaDB commits DDL
-- statement by statement, so every statement is written to be harmless if
-- it runs again (IF NOT EXISTS) after a migration that stopped half-way.

CREATE TABLE IF NOT EXISTS agency (
  id VARCHAR(64) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  role VARCHAR(40) NOT NULL,
  local_authority_code CHAR(9) NULL,
  retired_at TIMESTAMP(6) NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
