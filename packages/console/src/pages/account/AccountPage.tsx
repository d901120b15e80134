import type { Account } from "@sqibs/api-client";
import {
  getAccountOptions,
  getAccountQueryKey,
  updateAccountMutation,
} from "@sqibs/api-client/react-query";
import { AccountUpdateSchema } from "@sqibs/api-client/schemas";
import { SUPPORTED_LANGUAGES } from "@sqibs/i18n/languages";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ErrorMessage, Loading, Notice, Section } from "../../components/ui/Feedback";
import { SelectField, TextField } from "../../components/ui/Field";
import { nativeName } from "../../lib/i18n";

export function AccountPage() {
  const { t } = useTranslation();
  const account = useQuery(getAccountOptions());
  return (
    <>
      <PageTitle text={t("account.title")} />
      {account.isPending ? <Loading /> : null}
      <ErrorMessage error={account.error} />
      {account.data ? <AccountForm key={account.data.updatedAt} account={account.data} /> : null}
    </>
  );
}

function AccountForm({ account }: { account: Account }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(account.name);
  const [language, setLanguage] = useState<string>(account.language);
  const [saved, setSaved] = useState(false);
  const update = useMutation({
    ...updateAccountMutation(),
    onSuccess: (updated) => {
      queryClient.setQueryData(getAccountQueryKey(), updated);
      setSaved(true);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    update.mutate({ body: { name: name.trim(), language } });
  };
  return (
    <Section id="account-settings" title={t("account.settings")}>
      <form onSubmit={submit}>
        <TextField
          label={t("account.name")}
          required
          maxLength={AccountUpdateSchema.properties.name.maxLength}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <SelectField
          label={t("account.language")}
          hint={t("account.languageHint")}
          value={language}
          onChange={(event) => setLanguage(event.target.value)}
        >
          {SUPPORTED_LANGUAGES.map((code) => (
            <option key={code} value={code} lang={code}>
              {nativeName(code)} ({code})
            </option>
          ))}
        </SelectField>
        <ErrorMessage error={update.error} />
        {saved ? <Notice>{t("account.saved")}</Notice> : null}
        <Button type="submit" variant="primary" disabled={update.isPending || name.trim() === ""}>
          {t("account.save")}
        </Button>
      </form>
    </Section>
  );
}
