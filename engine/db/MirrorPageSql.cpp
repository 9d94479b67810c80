#include "db/MirrorPageSql.h"

#include "model/PfaField.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace pfa::db {

QString catalogArrayLiteral()
{
    QStringList names;
    for (const auto& spec : model::allFieldSpecs())
        names << QString::fromLatin1(spec.wireName.data(), qsizetype(spec.wireName.size()));
    return u"{"_s + names.join(u',') + u"}"_s;
}

QString changedKeysSql(const QString& before, const QString& after)
{
    const QString b = u"COALESCE("_s + before + u", '{}'::jsonb)"_s;
    const QString a = u"COALESCE("_s + after + u", '{}'::jsonb)"_s;
    return u"ARRAY(SELECT k.key FROM (SELECT jsonb_object_keys("_s + b +
           u") UNION SELECT jsonb_object_keys("_s + a +
           u")) AS k(key)"
           " WHERE COALESCE("_s +
           b + u" -> k.key, 'null'::jsonb) IS DISTINCT FROM COALESCE("_s + a +
           u" -> k.key, 'null'::jsonb)"
           " ORDER BY array_position(CAST(:catalog AS text[]), k.key), k.key)"_s;
}

QString textArrayLiteral(const QStringList& values)
{
    QString text = u"{"_s;
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i > 0)
            text += u',';
        QString value = values[i];
        value.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
        text += u'"' + value + u'"';
    }
    return text + u"}"_s;
}

} // namespace pfa::db
