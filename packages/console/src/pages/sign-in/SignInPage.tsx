import { createSessionMutation, getSessionQueryKey } from "@sqibs/api-client/react-query";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ErrorMessage } from "../../components/ui/Feedback";
import { TextField } from "../../components/ui/Field";
import { rememberCsrfToken } from "../../lib/api";

/**
 * The admin token is pasted once and sent once: the service answers with a session cookie
 * the page cannot read. The token is not kept anywhere in the browser.
 */
export function SignInPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const signIn = useMutation({
    ...createSessionMutation(),
    onSuccess: (session) => {
      setToken("");
      rememberCsrfToken(session.csrfToken);
      queryClient.setQueryData(getSessionQueryKey(), session);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ body: { token: token.trim() } });
  };
  return (
    <main className="sign-in" id="content">
      <form className="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <PageTitle text={t("signIn.title")}>
          <span id="sign-in-title">{t("signIn.title")}</span>
        </PageTitle>
        <p>{t("signIn.intro")}</p>
        <TextField
          label={t("signIn.token")}
          hint={t("signIn.tokenHint")}
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <ErrorMessage error={signIn.error} />
        <Button type="submit" variant="primary" disabled={signIn.isPending || token.trim() === ""}>
          {t("signIn.submit")}
        </Button>
      </form>
    </main>
  );
}
