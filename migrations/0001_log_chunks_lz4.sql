-- Job output is the largest thing the database stores. LZ4 compresses build
-- logs about as well as the default pglz at a fraction of the CPU. Servers
-- built without LZ4 (PGlite) keep the default.
DO $$
BEGIN
  ALTER TABLE "log_chunks" ALTER COLUMN "data" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available here; log chunks keep the default compression';
END
$$;
