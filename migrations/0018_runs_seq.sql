CREATE SEQUENCE "public"."runs_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
-- Added without a default, then given one: a volatile default in ADD COLUMN would rewrite the whole table under an exclusive lock.
ALTER TABLE "runs" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "seq" SET DEFAULT nextval('runs_seq');--> statement-breakpoint
ALTER SEQUENCE "public"."runs_seq" OWNED BY "runs"."seq";
