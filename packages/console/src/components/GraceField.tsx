import { useTranslation } from "react-i18next";
import { SelectField } from "./ui/Field";

/** The grace periods offered when a secret is rotated (each has its text in common.graceChoice). */
const GRACE_CHOICES = [0, 3_600, 86_400, 7 * 86_400] as const;

/** How long the secret before a rotation keeps working beside the new one. */
export function GraceField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: number;
  onChange: (seconds: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <SelectField
      label={label}
      value={value}
      onChange={(event) => onChange(Number(event.target.value))}
    >
      {GRACE_CHOICES.map((seconds) => (
        <option key={seconds} value={seconds}>
          {t(`common.graceChoice.${seconds}`)}
        </option>
      ))}
    </SelectField>
  );
}
