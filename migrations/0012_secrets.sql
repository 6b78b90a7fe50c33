CREATE TABLE "secrets" (
	"repo" text DEFAULT '' NOT NULL,
	"name" text NOT NULL,
	"nonce" "bytea" NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"key_id" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "secrets_repo_name_pk" PRIMARY KEY("repo","name")
);
