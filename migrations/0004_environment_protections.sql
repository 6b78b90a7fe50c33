CREATE TABLE "environment_protections" (
	"name" text PRIMARY KEY NOT NULL,
	"approvers" jsonb NOT NULL,
	"required" integer NOT NULL,
	"branches" jsonb,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
