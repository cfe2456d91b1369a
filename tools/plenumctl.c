/* plenumctl: placeholder replaced by the real client (see tools/README.md). */
int main(void)
{
    return 1;
}
