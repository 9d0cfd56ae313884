"""Identity: logins (WeChat, Alipay, the local dev login), sessions, phone binding, real-
name checks and identity disputes."""
